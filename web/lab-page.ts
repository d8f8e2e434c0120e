/**
 * The lab page: the chapter on the left (HTML rendered by the server, given
 * behaviour here), terminal tabs on the right, covered by the environment panel
 * until the environment is ready. Progress comes from the server, so a reload
 * shows exactly what the learner had.
 */
import { openSocket, type PageSocket } from './socket.js';
import type { CheckResult, StepState, StepStatus } from '../common/check.js';
import type { SessionSnapshot, TerminalInfo } from '../common/protocol.js';
import type { Diagnosis, EnvironmentState, ProvisionResult } from '../common/environment.js';
import { api, ApiError, ENVIRONMENT_NAMES, type LabDetails } from './api.js';
import { topbar } from './catalogue-page.js';
import { duration, fill, h, type Child } from './dom.js';
import { EnvPanel } from './env-panel.js';
import { TerminalTabs } from './terminal/terminal-tabs.js';

const STATUS_LABELS: Record<StepStatus, string> = {
  'not-started': '',
  'in-progress': 'in progress',
  passed: '✓ passed',
  failed: '✗ not yet',
  regressed: '⚠ regressed',
};

const RESULT_LABELS: Record<CheckResult['status'], string> = {
  passed: '✓ passed',
  failed: '✗ failed',
  error: '⚠ error',
  timeout: '⏱ timed out',
};

/** What a watched step's latest failing result says while kindlab is still waiting for it (not a red failure: nothing is wrong yet). */
const WAITING_LABEL = '… waiting';

/** How long the Copy button says "Copied". */
const COPIED_FEEDBACK_MS = 1500;

export async function renderLabPage(root: HTMLElement, labId: string): Promise<void> {
  let details: LabDetails;
  try {
    details = await api.lab(labId);
  } catch (e) {
    root.removeAttribute('aria-busy');
    fill(root, topbar(), h('main', { class: 'kl-catalogue' }, ...labError(labId, e)));
    return;
  }
  const { sessionId } = await api.openSession(labId);
  new LabPage(root, details, sessionId);
}

function labError(labId: string, e: unknown): (Node | null)[] {
  if (e instanceof ApiError && e.status === 422) {
    return [
      h('h1', {}, `${labId} cannot be opened`),
      h('p', {}, 'The lab has errors. Fix them and restart kindlab:'),
      h('ul', { class: 'kl-problems' }, ...e.problems.map((p) => h('li', { class: `kl-problem kl-problem--${p.severity}` }, h('code', {}, `${p.file}:${p.line}`), ' ', p.message))),
    ];
  }
  if (e instanceof ApiError && e.status === 404) return [h('h1', {}, 'No such lab'), h('p', {}, `There is no lab called “${labId}”. `, h('a', { href: '/' }, 'See all labs.'))];
  return [h('h1', {}, 'Something went wrong'), h('p', { class: 'kl-error', role: 'alert' }, e instanceof Error ? e.message : String(e))];
}

class LabPage {
  private readonly socket: PageSocket;
  private readonly states = new Map<string, StepState>();
  private readonly env: EnvPanel;
  private readonly doc: HTMLElement;
  private readonly terms: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly noticeText: HTMLElement;
  private readonly recheckButton: HTMLButtonElement;
  /** The notice lists regressed steps; it goes away once none is left. */
  private noticeIsRegressions = false;
  private readonly progressText: HTMLElement;
  private readonly progressBar: HTMLElement;
  private readonly nav: HTMLOListElement;
  private readonly root: HTMLElement;
  private tabs: TerminalTabs | undefined;
  private terminals: readonly TerminalInfo[];
  private readonly visible = new Set<string>();
  private readonly watching = new Set<string>();
  private readonly watchSteps: Set<string>;
  /** Where the keyboard was in the chapter before F6 went to the terminal. */
  private lastDocFocus: HTMLElement | undefined;

  constructor(
    root: HTMLElement,
    private readonly lab: LabDetails,
    private readonly sessionId: string,
  ) {
    this.root = root;
    document.title = `${lab.title} — kindlab`;
    this.terminals = lab.terminals.map((t) => ({ name: t.name, title: t.title, status: 'connecting' as const }));
    this.env = new EnvPanel(ENVIRONMENT_NAMES[lab.environment]?.toLowerCase() ?? 'environment');
    this.progressText = h('span', { class: 'kl-progress-text' });
    this.progressBar = h('span', { class: 'kl-progress-fill' });
    this.noticeText = h('span', { class: 'kl-notice-text' });
    const dismiss = h('button', { type: 'button', class: 'kl-notice-close', 'aria-label': 'Dismiss this message' }, '×');
    dismiss.addEventListener('click', () => this.say(undefined));
    this.notice = h('div', { class: 'kl-notice', role: 'status', 'aria-live': 'polite', hidden: true }, this.noticeText, dismiss);
    const recheck = h('button', { type: 'button', class: 'kl-button kl-recheck-button', title: 'Run the checks of every step you passed again' }, 'Re-check earlier steps');
    recheck.addEventListener('click', () => this.recheck(recheck));
    this.recheckButton = recheck;
    this.nav = h('ol', { class: 'kl-step-nav' });
    this.doc = h('div', { class: 'kl-doc', tabindex: -1 });
    this.doc.innerHTML = lab.chapters.map((c) => c.html).join('\n');
    this.terms = h('div', { class: 'kl-terms' });
    this.watchSteps = new Set([...this.doc.querySelectorAll<HTMLElement>('.kl-watch')].map((w) => w.dataset.step ?? ''));

    fill(
      root,
      topbar(
        h('span', { class: 'kl-crumb', 'aria-hidden': 'true' }, '/'),
        h('span', { class: 'kl-lab-title' }, lab.title),
        h('div', { class: 'kl-progress', role: 'group', 'aria-label': 'Progress' }, h('span', { class: 'kl-progress-track', 'aria-hidden': 'true' }, this.progressBar), this.progressText),
        recheck,
      ),
      this.notice,
      h(
        'div',
        { class: 'kl-lab' },
        h('div', { class: 'kl-doc-pane' }, h('nav', { class: 'kl-steps', 'aria-label': 'Steps' }, h('h2', {}, 'Steps'), this.nav), this.doc),
        h('div', { class: 'kl-term-pane' }, this.env.element, this.terms),
      ),
    );
    root.removeAttribute('aria-busy');
    // The page fills the window: topbar, an optional notice, then the two panes (see .kl-lab-page).
    root.classList.add('kl-lab-page');
    this.renderNav();
    this.setActionsEnabled(false);
    this.doc.addEventListener('click', (e) => this.onClick(e));
    this.doc.addEventListener('submit', (e) => this.onSubmit(e));
    this.notice.addEventListener('click', (e) => this.onNoticeClick(e));
    // Capture phase, so xterm never sees F6 (it would send an escape sequence to the shell).
    document.addEventListener('keydown', (e) => this.onKeydown(e), true);
    this.observeWatchSteps();

    this.socket = openSocket();
    this.socket.on('connect', () => this.join());
    this.socket.on('disconnect', () => this.say('Connection to kindlab lost — reconnecting…'));
    this.socket.on('connect_error', () => this.say('Cannot reach kindlab — is `kindlab serve` still running? Retrying…'));
    this.socket.on('step:state', (s) => this.applyStep(s));
    this.socket.on('env:progress', (e) => this.env.progress(e));
    this.socket.on('env:state', (s) => this.setEnvironment(s.environment, s.provision, s.diagnosis));
    this.socket.on('client:error', (e) => this.say(`kindlab refused ${e.event}: ${e.message}`));
  }

  private join(): void {
    this.socket.emit('session:join', { sessionId: this.sessionId }, (reply) => {
      if (!reply.ok) {
        this.say(`Could not join your session: ${reply.error}. Reload the page to start again.`);
        return;
      }
      this.say(undefined);
      this.applySnapshot(reply.value);
    });
  }

  private applySnapshot(s: SessionSnapshot): void {
    if (s.terminals.length) this.terminals = s.terminals;
    for (const st of s.steps) this.applyStep(st);
    this.env.reset(s.progress);
    // The server forgets nothing about watches, but this page's wish must be restated after a reconnect.
    this.watching.clear();
    this.setEnvironment(s.environment, s.provision, s.diagnosis);
  }

  private setEnvironment(state: EnvironmentState, provision?: ProvisionResult, diagnosis?: readonly Diagnosis[]): void {
    this.env.setState(state, provision, diagnosis);
    if (state === 'failed' && !diagnosis?.length) {
      void api
        .doctor()
        .then((d) => this.env.setState('failed', provision, d))
        .catch(() => undefined);
    }
    const ready = state === 'ready';
    // Shown before the tabs exist, so they can measure their container.
    this.terms.hidden = !ready;
    if (ready && !this.tabs) this.tabs = new TerminalTabs(this.terms, this.socket, [...this.terminals]);
    this.setActionsEnabled(ready);
    this.updateWatches();
  }

  private setActionsEnabled(on: boolean): void {
    this.root.classList.toggle('kl-ready', on);
    for (const b of this.doc.querySelectorAll<HTMLButtonElement>('.kl-run-button, .kl-check-button, .kl-solve-button, .kl-answer button')) {
      b.disabled = !on;
      b.title = on ? '' : 'Waiting for the environment…';
    }
  }

  // ---- steps ----------------------------------------------------------------

  private applyStep(state: StepState): void {
    this.states.set(state.stepId, state);
    const section = this.doc.querySelector<HTMLElement>(`section.kl-step[data-step="${CSS.escape(state.stepId)}"]`);
    if (section) {
      for (const s of ['not-started', 'in-progress', 'passed', 'failed', 'regressed']) section.classList.toggle(`kl-step--${s}`, s === state.status);
    }
    for (const badge of this.doc.querySelectorAll<HTMLElement>(`.kl-step-status[data-step="${CSS.escape(state.stepId)}"]`)) {
      badge.textContent = STATUS_LABELS[state.status];
      badge.className = `kl-step-status kl-badge kl-badge--${state.status}`;
    }
    const results = this.stepElement('kl-results', state.stepId);
    if (results && state.results.length) fill(results, this.renderResults(state));
    const hints = this.stepElement('kl-hints', state.stepId);
    // Hints appear when the learner is stuck and get out of the way once the step passes.
    if (hints && (state.status === 'failed' || state.status === 'regressed')) hints.hidden = false;
    if (hints && state.status === 'passed') hints.hidden = true;
    this.renderAnswerResults(state);
    this.renderNav();
    this.updateWatches();
    if (this.noticeIsRegressions && ![...this.states.values()].some((s) => s.status === 'regressed')) this.say('Every step that had regressed passes again.');
  }

  private stepElement(cls: string, stepId: string): HTMLElement | null {
    return this.doc.querySelector<HTMLElement>(`.${cls}[data-step="${CSS.escape(stepId)}"]`);
  }

  private renderResults(state: StepState): HTMLElement | null {
    const title = state.status === 'regressed' ? 'This step passed before but does not pass any more:' : undefined;
    // An answer's result is shown beside its own input; listing it again below reads as a second, separate failure.
    const answered = new Set([...this.doc.querySelectorAll<HTMLElement>(`form.kl-answer[data-step="${CSS.escape(state.stepId)}"]`)].map((f) => f.dataset.answer));
    const results = state.results.filter((r) => !answered.has(r.checkId));
    // A watched step that has not passed is still being waited for: its "not yet" is news, not a failure.
    const waiting = this.watching.has(state.stepId) && state.status !== 'regressed';
    if (!results.length && !title) return null;
    return h(
      'div',
      {},
      title ? h('p', { class: 'kl-regressed-note' }, title) : null,
      h(
        'ul',
        { class: 'kl-result-list' },
        ...results.map((r) =>
          h(
            'li',
            { class: `kl-result kl-result--${waiting && r.status === 'failed' ? 'waiting' : r.status}`, 'data-check': r.checkId },
            h('span', { class: 'kl-result-status' }, waiting && r.status === 'failed' ? WAITING_LABEL : RESULT_LABELS[r.status]),
            h('span', { class: 'kl-result-message' }, r.message || '(no message)'),
            h('span', { class: 'kl-result-ms', title: 'How long the check took' }, duration(r.ms)),
            r.expected !== undefined || r.actual !== undefined
              ? h(
                  'dl',
                  { class: 'kl-expected-actual' },
                  r.expected !== undefined ? h('dt', {}, 'Expected') : null,
                  r.expected !== undefined ? h('dd', {}, r.expected) : null,
                  r.actual !== undefined ? h('dt', {}, 'Found') : null,
                  r.actual !== undefined ? h('dd', {}, r.actual) : null,
                )
              : null,
          ),
        ),
      ),
    );
  }

  private renderAnswerResults(state: StepState): void {
    for (const form of this.doc.querySelectorAll<HTMLFormElement>(`form.kl-answer[data-step="${CSS.escape(state.stepId)}"]`)) {
      const r = state.results.find((x) => x.checkId === form.dataset.answer);
      const out = form.querySelector<HTMLElement>('.kl-answer-result');
      if (!r || !out) continue;
      out.className = `kl-answer-result kl-result--${r.status}`;
      // Name the value that was judged, so a second wrong try visibly differs from the first.
      const tried = form.querySelector<HTMLInputElement>('input[name="value"]')?.value.trim();
      if (r.status === 'passed') out.textContent = form.dataset.solved === 'true' && !tried ? '✓ Solved for you.' : '✓ Correct.';
      else if (r.status === 'failed') out.textContent = `✗ ${tried ? `You answered “${tried}”. ` : ''}${r.message}`;
      else out.textContent = `${RESULT_LABELS[r.status]}: ${r.message}`;
    }
  }

  private renderNav(): void {
    let passed = 0;
    fill(
      this.nav,
      ...this.lab.steps.map((s) => {
        const status = this.states.get(s.id)?.status ?? 'not-started';
        if (status === 'passed') passed++;
        return h(
          'li',
          { class: `kl-nav-item kl-nav-item--${status}` },
          h('a', { href: `#step-${s.id}` }, h('span', { class: 'kl-nav-mark', 'aria-hidden': 'true' }, status === 'passed' ? '✓' : status === 'regressed' ? '⚠' : status === 'failed' ? '✗' : '○'), s.title),
          status !== 'not-started' ? h('span', { class: 'kl-visually-hidden' }, ` (${status})`) : null,
        );
      }),
    );
    const total = this.lab.steps.length;
    const done = total > 0 && passed === total;
    this.progressText.textContent = done ? `All ${total} steps done ✓` : `${passed} of ${total} step${total === 1 ? '' : 's'} done`;
    this.progressBar.style.width = `${total ? (100 * passed) / total : 0}%`;
    this.root.classList.toggle('kl-lab-done', done);
    // Nothing has passed yet, so there is nothing to re-check.
    const recheckable = [...this.states.values()].some((s) => s.status === 'passed' || s.status === 'regressed');
    if (this.recheckButton.getAttribute('aria-busy') !== 'true') {
      this.recheckButton.disabled = !recheckable;
      this.recheckButton.title = recheckable ? 'Run the checks of every step you passed again' : 'Nothing to re-check yet: no step has passed';
    }
  }

  // ---- actions ----------------------------------------------------------------

  private onClick(e: Event): void {
    const target = e.target instanceof Element ? e.target.closest('button') : null;
    if (!target) return;
    const stepId = target.dataset.step ?? '';
    if (target.classList.contains('kl-run-button')) {
      const terminal = target.dataset.terminal ?? this.terminals[0]?.name ?? '';
      this.tabs?.show(terminal);
      this.tabs?.run(terminal, target.dataset.command ?? '');
    } else if (target.classList.contains('kl-copy-button')) {
      void this.copy(target, target.dataset.text ?? '');
    } else if (target.classList.contains('kl-check-button')) {
      this.check(target, stepId);
    } else if (target.classList.contains('kl-solve-button')) {
      this.solve(target, stepId);
    }
  }

  private async copy(button: HTMLButtonElement, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => (button.textContent = 'Copy'), COPIED_FEEDBACK_MS);
  }

  private busy(button: HTMLButtonElement, on: boolean): void {
    button.disabled = on;
    button.setAttribute('aria-busy', String(on));
  }

  private check(button: HTMLButtonElement, stepId: string): void {
    const results = this.stepElement('kl-results', stepId);
    if (results) fill(results, h('p', { class: 'kl-muted' }, 'Checking…'));
    this.busy(button, true);
    this.socket.emit('check:run', { stepId }, (reply) => {
      this.busy(button, false);
      if (reply.ok) this.applyStep(reply.value);
      else if (results) fill(results, h('p', { class: 'kl-error' }, `The check could not run: ${reply.error}`));
      this.reveal(stepId);
    });
  }

  private solve(button: HTMLButtonElement, stepId: string): void {
    const title = this.lab.steps.find((s) => s.id === stepId)?.title ?? stepId;
    if (!window.confirm(`Solve “${title}” for you? kindlab runs the solution (and that of any earlier unsolved step) in your environment.`)) return;
    const results = this.stepElement('kl-results', stepId);
    if (results) fill(results, h('p', { class: 'kl-muted' }, 'Solving…'));
    this.busy(button, true);
    this.socket.emit('step:solve', { stepId }, (reply) => {
      this.busy(button, false);
      if (reply.ok) {
        // A solved answer was filled in by the server, not typed here: a value left in the box would read as the right one.
        for (const s of reply.value) {
          if (s.status !== 'passed') continue;
          for (const form of this.doc.querySelectorAll<HTMLFormElement>(`form.kl-answer[data-step="${CSS.escape(s.stepId)}"]`)) {
            form.dataset.solved = 'true';
            const input = form.querySelector<HTMLInputElement>('input[name="value"]');
            if (input) input.value = '';
          }
        }
        for (const s of reply.value) this.applyStep(s);
      } else if (results) fill(results, h('p', { class: 'kl-error' }, `Could not solve the step: ${reply.error}`));
      this.reveal(stepId);
    });
  }

  /** Bring a step's results (or the answer's verdict) into view: the learner pressed a button above them and should not have to scroll to see the outcome. */
  private reveal(stepId: string): void {
    const results = this.stepElement('kl-results', stepId);
    const hints = this.stepElement('kl-hints', stepId);
    // The hint comes after the results, so showing it shows both.
    const target = hints && !hints.hidden ? hints : results?.childElementCount ? results : this.doc.querySelector<HTMLElement>(`section.kl-step[data-step="${CSS.escape(stepId)}"] .kl-step-actions`);
    target?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  private recheck(button: HTMLButtonElement): void {
    this.busy(button, true);
    this.say('Re-checking the steps you passed…');
    this.socket.emit('steps:recheck', {}, (reply) => {
      this.busy(button, false);
      this.renderNav();
      if (!reply.ok) return this.say(`Re-check failed: ${reply.error}`);
      for (const s of reply.value) this.applyStep(s);
      const regressed = reply.value.filter((s) => s.status === 'regressed');
      if (!regressed.length) return this.say(`All ${reply.value.length} re-checked step${reply.value.length === 1 ? '' : 's'} still pass.`);
      // Each regressed step is a link to it: the learner's next move is to go and fix it.
      const links = regressed.flatMap((s, i) => [i ? ', ' : '', h('a', { href: `#step-${s.stepId}`, class: 'kl-notice-step' }, this.lab.steps.find((x) => x.id === s.stepId)?.title ?? s.stepId)]);
      this.say([`⚠ ${regressed.length} step${regressed.length === 1 ? '' : 's'} no longer pass${regressed.length === 1 ? 'es' : ''}: `, ...links, '. Fix it and press Check there.'], true);
    });
  }

  private onNoticeClick(e: Event): void {
    const link = e.target instanceof Element ? e.target.closest<HTMLAnchorElement>('a.kl-notice-step') : null;
    if (!link) return;
    e.preventDefault();
    const section = this.doc.querySelector<HTMLElement>(link.hash);
    section?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    section?.querySelector<HTMLButtonElement>('.kl-check-button')?.focus({ preventScroll: true });
  }

  /** F6 moves between the chapter and the terminal: inside the terminal Tab completes commands, so it cannot be the way out. */
  private onKeydown(e: KeyboardEvent): void {
    if (e.key !== 'F6' || e.ctrlKey || e.altKey || e.metaKey) return;
    e.preventDefault();
    e.stopPropagation();
    const inTerminal = document.activeElement instanceof Element && this.terms.contains(document.activeElement);
    if (!inTerminal) {
      this.lastDocFocus = document.activeElement instanceof HTMLElement && this.doc.contains(document.activeElement) ? document.activeElement : this.lastDocFocus;
      this.tabs?.focus();
      return;
    }
    const back = this.lastDocFocus?.isConnected ? this.lastDocFocus : this.doc.querySelector<HTMLElement>('.kl-step .kl-check-button:not(:disabled), .kl-answer input');
    (back ?? this.doc).focus();
  }

  private onSubmit(e: Event): void {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('kl-answer')) return;
    e.preventDefault();
    const stepId = form.dataset.step ?? '';
    const answerId = form.dataset.answer ?? '';
    const input = form.querySelector<HTMLInputElement>('input[name="value"]');
    const out = form.querySelector<HTMLElement>('.kl-answer-result');
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    const value = input?.value.trim() ?? '';
    if (!value) {
      if (out) out.textContent = 'Type your answer first.';
      return;
    }
    if (out) out.textContent = 'Checking…';
    delete form.dataset.solved;
    if (button) this.busy(button, true);
    this.socket.emit('answer:submit', { stepId, answerId, value }, (reply) => {
      if (button) this.busy(button, false);
      if (reply.ok) this.applyStep(reply.value);
      else if (out) out.textContent = `Could not check the answer: ${reply.error}`;
    });
  }

  // ---- watched checks ---------------------------------------------------------

  private observeWatchSteps(): void {
    if (!this.watchSteps.size) return;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const en of entries) {
          const id = (en.target as HTMLElement).dataset.step ?? '';
          if (en.isIntersecting) this.visible.add(id);
          else this.visible.delete(id);
        }
        this.updateWatches();
      },
      { threshold: 0.1 },
    );
    for (const id of this.watchSteps) {
      const section = this.doc.querySelector(`section.kl-step[data-step="${CSS.escape(id)}"]`);
      if (section) observer.observe(section);
    }
  }

  /** A watched step is re-checked while it is on screen, the environment is ready and it has not passed. */
  private updateWatches(): void {
    if (!this.socket?.connected) return;
    for (const id of this.watchSteps) {
      const want = this.env.ready && this.visible.has(id) && this.states.get(id)?.status !== 'passed';
      const label = this.stepElement('kl-watch', id);
      if (label) label.hidden = !want;
      if (want === this.watching.has(id)) continue;
      if (want) this.watching.add(id);
      else this.watching.delete(id);
      this.socket.emit('check:watch', { stepId: id, on: want });
    }
  }

  private say(message: string | Child[] | undefined, regressions = false): void {
    this.noticeIsRegressions = regressions && message !== undefined;
    this.notice.hidden = !message;
    fill(this.noticeText, ...(message === undefined ? [] : typeof message === 'string' ? [message] : message));
  }
}
