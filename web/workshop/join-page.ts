/**
 * The join page of a workshop: the event's title, a code + name form, plain
 * words for every refusal, and on success the learner's resume link (the
 * cookie is tied to this browser; the link brings the learner back from any
 * other) before going on to the event's labs.
 */
import { ApiError } from '../api.js';
import { topbar } from '../catalogue-page.js';
import { MAX_LEARNER_NAME_LENGTH as MAX_NAME_LENGTH } from '../../common/protocol.js';
import { fill, h, type Child } from '../dom.js';
import { workshopApi, type JoinReply, type WorkshopInfo } from './workshop-api.js';

/** How long the Copy button says "Copied". */
const COPIED_FEEDBACK_MS = 1500;

export async function renderJoinPage(root: HTMLElement): Promise<void> {
  document.title = 'Join the workshop — kindlab';
  // A learner who already joined from this browser goes straight to the labs.
  const me = await workshopApi.me().catch(() => undefined);
  if (me) {
    location.replace('/');
    return;
  }
  let info: WorkshopInfo | undefined;
  try {
    info = await workshopApi.info();
  } catch (e) {
    root.removeAttribute('aria-busy');
    const notWorkshop = e instanceof ApiError && e.status === 404;
    joinCard(
      root,
      h('h1', {}, notWorkshop ? 'No workshop is running here' : 'Cannot reach the workshop'),
      h('p', { class: notWorkshop ? 'kl-muted' : 'kl-error', role: 'alert' }, notWorkshop ? 'This kindlab is not running a workshop. ' : `${errorText(e)} `, h('a', { href: '/' }, 'See the labs.')),
    );
    return;
  }
  new JoinPage(root, info);
}

/** The frame of the join and sign-in pages: the top bar over one card, which it returns. */
export function joinCard(root: HTMLElement, ...children: Child[]): HTMLDivElement {
  const card = h('div', { class: 'kl-join-card' }, ...children);
  fill(root, topbar(), h('main', { class: 'kl-join' }, card));
  return card;
}

class JoinPage {
  private readonly card: HTMLElement;
  private readonly error: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly info: WorkshopInfo,
  ) {
    document.title = `Join ${info.title} — kindlab`;
    this.error = h('p', { class: 'kl-join-error', role: 'alert', hidden: true });
    this.card = joinCard(root);
    root.removeAttribute('aria-busy');
    this.renderForm();
  }

  private renderForm(): void {
    const { info } = this;
    if (info.ended) {
      fill(this.card, h('p', { class: 'kl-join-kicker' }, 'Workshop'), h('h1', {}, info.title), h('p', { class: 'kl-join-error', role: 'alert' }, 'This workshop has ended; it takes no more learners.'));
      return;
    }
    const full = info.joined >= info.capacity;
    const code = h('input', { id: 'kl-join-code', name: 'code', required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', placeholder: 'e.g. PODS-42', class: 'kl-input kl-input--code' });
    const name = h('input', { id: 'kl-join-name', name: 'name', required: true, maxlength: MAX_NAME_LENGTH, autocomplete: 'nickname', placeholder: 'How the instructor will see you', class: 'kl-input' });
    const submit = h('button', { type: 'submit', class: 'kl-button kl-button--primary kl-join-submit' }, 'Join');
    const form = h(
      'form',
      { class: 'kl-join-form', novalidate: true },
      h('label', { for: 'kl-join-code' }, 'Event code'),
      code,
      h('label', { for: 'kl-join-name' }, 'Your name'),
      name,
      h('p', { class: 'kl-join-hint' }, `Your name is shown to the instructor and nobody else. Up to ${MAX_NAME_LENGTH} characters.`),
      this.error,
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit(code.value.trim(), name.value.trim(), submit);
    });
    fill(
      this.card,
      h('p', { class: 'kl-join-kicker' }, 'Workshop'),
      h('h1', {}, info.title),
      info.labs.length ? h('p', { class: 'kl-muted kl-join-labs' }, `Labs: ${info.labs.map((l) => l.title).join(' · ')}`) : null,
      h('p', { class: 'kl-join-seats' }, full ? 'Every seat is taken.' : `${info.joined} of ${info.capacity} seats taken`),
      form,
    );
    code.focus();
  }

  private async submit(code: string, name: string, button: HTMLButtonElement): Promise<void> {
    if (!code) return this.showError('Type the event code your instructor gave you.');
    if (!name) return this.showError('Type your name (up to 40 characters).');
    if (name.length > MAX_NAME_LENGTH) return this.showError(`Your name is ${name.length} characters long; keep it to ${MAX_NAME_LENGTH}.`);
    this.showError(undefined);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      this.joined(await workshopApi.join(code, name));
    } catch (e) {
      this.showError(joinError(e));
    } finally {
      button.disabled = false;
      button.setAttribute('aria-busy', 'false');
    }
  }

  private showError(message: string | undefined): void {
    this.error.hidden = !message;
    this.error.textContent = message ?? '';
  }

  private joined(reply: JoinReply): void {
    const link = new URL(reply.resumeUrl, location.origin).href;
    const input = h('input', { class: 'kl-input kl-resume-link', readonly: true, value: link, 'aria-label': 'Your resume link' });
    input.addEventListener('focus', () => input.select());
    const copy = h('button', { type: 'button', class: 'kl-button kl-copy-resume' }, 'Copy');
    copy.addEventListener('click', () => void copyText(copy, input));
    const go = h('a', { class: 'kl-button kl-button--primary kl-join-continue', href: '/' }, 'Go to the labs →');
    fill(
      this.card,
      h('p', { class: 'kl-join-kicker' }, this.info.title),
      h('h1', {}, `Welcome, ${reply.name}`),
      h('p', {}, 'You are in. Your own environment is yours alone; the instructor can see your progress and, to help you, a read-only view of your terminals.'),
      h('div', { class: 'kl-resume' }, h('p', { class: 'kl-resume-title' }, 'Keep this link to come back from another browser'), h('div', { class: 'kl-resume-row' }, input, copy), h('p', { class: 'kl-muted kl-resume-note' }, 'It signs you back in as you. Do not share it.')),
      h('div', { class: 'kl-join-actions' }, go),
    );
    go.focus();
  }
}

/** The server's own words where it gave some; a plain sentence where it did not. */
function joinError(e: unknown): string {
  if (!(e instanceof ApiError)) return `Could not reach the workshop: ${errorText(e)}`;
  const said = typeof e.body.error === 'string' ? e.body.error : undefined;
  switch (e.status) {
    case 400:
      return said ?? `That name cannot be used: use 1 to ${MAX_NAME_LENGTH} characters of plain text.`;
    case 401:
    case 403:
      return said ?? 'That event code is not right; check it with your instructor.';
    case 409:
      return said ?? 'This workshop is full.';
    case 410:
      return said ?? 'This workshop has ended.';
    case 429:
      return said ?? 'Too many attempts from here. Wait a minute, then try again.';
    default:
      return said ?? `The workshop could not take you in (${e.status}).`;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function copyText(button: HTMLButtonElement, input: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = 'Copied';
  } catch {
    // No clipboard permission (plain http on a LAN address): select it for Ctrl+C instead.
    input.select();
    button.textContent = 'Press Ctrl+C';
  }
  setTimeout(() => (button.textContent = 'Copy'), COPIED_FEEDBACK_MS);
}
