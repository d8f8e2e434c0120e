/**
 * What covers the terminal pane until the environment is ready: each
 * provisioning stage with its timing, and on failure the failing stage, the
 * tool's own words, the fix and what `kindlab doctor` found.
 */
import type { Diagnosis, EnvironmentState, ProgressEvent, ProvisionResult } from '../common/environment.js';
import { duration, fill, h, richText } from './dom.js';

interface StageRow {
  status: ProgressEvent['status'];
  startedAt: number;
  ms?: number;
  detail?: string;
}

export class EnvPanel {
  readonly element: HTMLElement;
  private readonly stages = new Map<string, StageRow>();
  private readonly list: HTMLOListElement;
  private readonly heading: HTMLElement;
  private readonly failure: HTMLElement;
  private state: EnvironmentState = 'absent';

  constructor(private readonly environmentName: string) {
    this.heading = h('h2', { class: 'kl-env-title' }, 'Preparing your environment…');
    this.list = h('ol', { class: 'kl-stages' });
    this.failure = h('div', { class: 'kl-env-failure', hidden: true, role: 'alert' });
    this.element = h('section', { class: 'kl-env', 'aria-live': 'polite', 'aria-label': 'Environment' }, this.heading, this.list, this.failure);
  }

  /** Replace all stages (from a snapshot). */
  reset(events: readonly ProgressEvent[]): void {
    this.stages.clear();
    for (const e of events) this.record(e);
    this.renderStages();
  }

  progress(e: ProgressEvent): void {
    this.record(e);
    this.renderStages();
  }

  setState(state: EnvironmentState, provision?: ProvisionResult, diagnosis?: readonly Diagnosis[]): void {
    this.state = state;
    this.element.dataset.state = state;
    this.element.hidden = state === 'ready';
    if (state === 'failed') {
      this.heading.textContent = `Could not start the ${this.environmentName}`;
      this.showFailure(provision, diagnosis);
    } else {
      this.heading.textContent = state === 'destroyed' ? 'The environment was removed. Reload to start it again.' : `Preparing the ${this.environmentName}…`;
      this.failure.hidden = true;
    }
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  private record(e: ProgressEvent): void {
    const row = this.stages.get(e.stage) ?? { status: e.status, startedAt: e.atMs };
    if (e.status !== 'info' || !this.stages.has(e.stage)) row.status = e.status;
    if (e.ms !== undefined) row.ms = e.ms;
    if (e.detail) row.detail = e.detail;
    this.stages.set(e.stage, row);
  }

  private renderStages(): void {
    fill(
      this.list,
      ...[...this.stages].map(([stage, r]) => {
        const mark = r.status === 'done' ? '✓' : r.status === 'failed' ? '✗' : r.status === 'info' ? '•' : '';
        return h(
          'li',
          { class: `kl-stage kl-stage--${r.status}` },
          h('span', { class: 'kl-stage-mark', 'aria-hidden': 'true' }, mark),
          h('span', { class: 'kl-stage-name' }, stage),
          h('span', { class: 'kl-stage-time' }, r.ms !== undefined ? duration(r.ms) : r.status === 'started' ? 'running…' : ''),
          r.detail ? h('div', { class: 'kl-stage-detail' }, r.detail) : null,
        );
      }),
    );
  }

  private showFailure(provision?: ProvisionResult, diagnosis?: readonly Diagnosis[]): void {
    const bad = (diagnosis ?? []).filter((d) => !d.ok);
    fill(
      this.failure,
      provision && !provision.ok
        ? h(
            'div',
            {},
            h('p', {}, h('strong', {}, `Failed at: ${provision.stage}. `), provision.message),
            provision.toolOutput ? h('pre', { class: 'kl-tool-output' }, provision.toolOutput) : null,
            provision.fix ? h('p', { class: 'kl-fix' }, h('strong', {}, 'How to fix it: '), ...richText(provision.fix)) : null,
          )
        : h('p', {}, 'The environment failed to start.'),
      bad.length
        ? h(
            'div',
            { class: 'kl-diagnosis' },
            h('h3', {}, 'What kindlab doctor found'),
            h('ul', {}, ...bad.map((d) => h('li', { class: `kl-diag kl-diag--${d.severity}` }, h('strong', {}, d.title), ': ', d.detail, d.fix ? h('div', { class: 'kl-fix' }, 'Fix: ', ...richText(d.fix)) : null))),
          )
        : null,
      h('p', { class: 'kl-env-retry' }, retryButton(), h('span', { class: 'kl-muted' }, 'after fixing the problem (this reloads the page).')),
    );
    this.failure.hidden = false;
  }
}

function retryButton(): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'kl-button kl-button--primary' }, 'Try again');
  b.addEventListener('click', () => location.reload());
  return b;
}
