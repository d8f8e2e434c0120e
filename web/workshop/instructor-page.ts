/**
 * The instructor's entry: `kindlab serve --workshop` prints a link with the
 * token in the fragment (never sent to the server in a request line, never in
 * logs). The page reads it once, trades it for an HttpOnly cookie and wipes it
 * from the address bar and history, then shows the room.
 */
import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { joinCard } from './join-page.js';
import { RoomView } from './room-view.js';
import { workshopApi } from './workshop-api.js';

export async function renderInstructorPage(root: HTMLElement): Promise<void> {
  document.title = 'Instructor — kindlab';
  const token = takeToken();
  if (token !== undefined) {
    try {
      await workshopApi.login(token);
    } catch (e) {
      return showLogin(root, loginError(e));
    }
  }
  try {
    new RoomView(root, await workshopApi.room());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return showLogin(root, undefined);
    if (e instanceof ApiError && e.status === 403) return showLogin(root, 'This browser is signed in as a learner. Open the instructor link in a private window or another browser.');
    if (e instanceof ApiError && e.status === 404) return showLogin(root, 'This kindlab is not running a workshop. Start it with `kindlab serve --workshop workshop.yaml`.');
    throw e;
  }
}

/** The token from `#token=…`, removed from the URL (and so from history) at once. */
function takeToken(): string | undefined {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return token ?? undefined;
}

function loginError(e: unknown): string {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return 'That instructor token is not right. Use the link `kindlab serve --workshop` printed, or paste the token below.';
  if (e instanceof ApiError && e.status === 429) return 'Too many attempts. Wait a minute, then try again.';
  return `Could not sign in: ${e instanceof Error ? e.message : String(e)}`;
}

function showLogin(root: HTMLElement, problem: string | undefined): void {
  root.removeAttribute('aria-busy');
  const input = h('input', { id: 'kl-token', type: 'password', class: 'kl-input', autocomplete: 'off', required: true });
  const error = h('p', { class: 'kl-join-error', role: 'alert', hidden: !problem }, problem ?? '');
  const submit = h('button', { type: 'submit', class: 'kl-button kl-button--primary' }, 'Open the room');
  const form = h('form', { class: 'kl-join-form' }, h('label', { for: 'kl-token' }, 'Instructor token'), input, error, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    submit.disabled = true;
    workshopApi
      .login(token)
      .then(() => renderInstructorPage(root))
      .catch((err: unknown) => {
        submit.disabled = false;
        error.hidden = false;
        error.textContent = loginError(err);
      });
  });
  joinCard(
    root,
    h('p', { class: 'kl-join-kicker' }, 'Instructor'),
    h('h1', {}, 'Sign in to the room'),
    h('p', { class: 'kl-muted' }, 'Open the instructor link `kindlab serve --workshop` printed when it started (http://…/instructor#token=…), or paste its token here.'),
    form,
  );
  input.focus();
}
