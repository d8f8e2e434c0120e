/**
 * The instructor's room view: learners × steps for one lab at a time, live.
 *
 * It subscribes with `room:subscribe` (the ack is the first snapshot) and
 * redraws on every `room:update`; the server throttles those, so a full
 * redraw of the table is cheap enough and keeps the view simple. Times on a
 * step tick locally once a second between updates.
 */
import { openSocket, type PageSocket } from '../socket.js';
import type { RoomSnapshot } from '../../common/protocol.js';
import { topbar } from '../catalogue-page.js';
import { fill, h } from '../dom.js';
import { CELL_LABEL, CELL_SYMBOL, elapsed, roomRows, type CellState, type RoomRow, type RoomSort } from './room-model.js';
import { ShadowPanel } from './shadow-panel.js';
import { RESULT_EXPORTS, workshopApi } from './workshop-api.js';

/** How often "time on step" and "last seen" advance between server updates. */
const TICK_MS = 1000;

const SORT_LABELS: Record<RoomSort, string> = {
  'stuck-first': 'Stuck first',
  progress: 'Least progress first',
  name: 'Name',
  joined: 'Join order',
};

const LEGEND: readonly CellState[] = ['not-started', 'in-progress', 'passed', 'failing', 'regressed'];

export class RoomView {
  private snapshot: RoomSnapshot;
  private labId: string;
  private sort: RoomSort = 'stuck-first';
  private onlyStuck = false;
  private ended = false;
  private readonly socket: PageSocket;
  private readonly shadow: ShadowPanel;
  private readonly title: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly labTabs: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly empty: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly stuckToggle: HTMLInputElement;
  private readonly endButton: HTMLButtonElement;
  private readonly timers: HTMLElement[] = [];
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(
    private readonly root: HTMLElement,
    first: RoomSnapshot,
  ) {
    this.snapshot = first;
    this.labId = first.labs[0]?.id ?? '';
    this.socket = openSocket();
    this.shadow = new ShadowPanel(this.socket);
    this.shadow.onClose(() => this.renderGrid());

    this.title = h('span', { class: 'kl-lab-title' });
    this.stats = h('div', { class: 'kl-room-stats', role: 'group', 'aria-label': 'Room' });
    this.notice = h('div', { class: 'kl-notice', role: 'status', 'aria-live': 'polite', hidden: true });
    this.labTabs = h('div', { class: 'kl-room-labs', role: 'tablist', 'aria-label': 'Labs' });
    this.table = h('table', { class: 'kl-room-grid' });
    this.empty = h('p', { class: 'kl-room-empty kl-muted', hidden: true });

    this.stuckToggle = h('input', { type: 'checkbox', class: 'kl-room-only-stuck' });
    this.stuckToggle.addEventListener('change', () => {
      this.onlyStuck = this.stuckToggle.checked;
      this.renderGrid();
    });
    const sort = h('select', { class: 'kl-room-sort', 'aria-label': 'Sort learners' }, ...Object.entries(SORT_LABELS).map(([v, label]) => h('option', { value: v }, label)));
    sort.addEventListener('change', () => {
      this.sort = sort.value as RoomSort;
      this.renderGrid();
    });
    this.endButton = h('button', { type: 'button', class: 'kl-button kl-end-button' }, 'End workshop');
    this.endButton.addEventListener('click', () => void this.end());
    const exports = h(
      'div',
      { class: 'kl-room-exports', role: 'group', 'aria-label': 'Export results' },
      h('span', { class: 'kl-muted' }, 'Export'),
      ...RESULT_EXPORTS.map((x) => h('a', { class: 'kl-button kl-export', href: x.href, download: x.file, 'data-format': x.label.toLowerCase() }, x.label)),
    );

    fill(
      root,
      topbar(h('span', { class: 'kl-crumb', 'aria-hidden': 'true' }, '/'), this.title, h('span', { class: 'kl-chip kl-room-role' }, 'Instructor'), this.stats),
      this.notice,
      h(
        'div',
        { class: 'kl-room' },
        h(
          'main',
          { class: 'kl-room-main' },
          h(
            'div',
            { class: 'kl-room-toolbar' },
            this.labTabs,
            h('label', { class: 'kl-room-filter' }, this.stuckToggle, 'Only stuck learners'),
            sort,
            exports,
            this.endButton,
          ),
          h('div', { class: 'kl-room-scroll' }, this.table, this.empty),
          legend(),
        ),
        this.shadow.element,
      ),
    );
    root.removeAttribute('aria-busy');
    root.classList.add('kl-room-page');
    // In a workshop `/` is the learners' door (it sends strangers to /join); the instructor's home is here.
    root.querySelector('.kl-brand')?.setAttribute('href', '/instructor');
    this.table.addEventListener('click', (e) => this.onTableClick(e));
    this.render();

    this.socket.on('connect', () => this.subscribe());
    this.socket.on('disconnect', () => this.say('Connection to kindlab lost — reconnecting…'));
    this.socket.on('connect_error', () => this.say('Cannot reach kindlab — is `kindlab serve` still running? Retrying…'));
    this.socket.on('room:update', (s) => this.apply(s));
    this.socket.on('workshop:ended', () => this.setEnded());
    this.tick = setInterval(() => this.tickTimers(), TICK_MS);
    // For browser tests and for debugging from the console.
    const w = globalThis as unknown as { __kindlab?: Record<string, unknown> };
    w.__kindlab = { ...(w.__kindlab ?? {}), room: { snapshot: () => this.snapshot, droppedKeystrokes: () => this.shadow.droppedKeystrokes } };
  }

  dispose(): void {
    clearInterval(this.tick);
    this.shadow.dispose();
    this.socket.close();
  }

  private subscribe(): void {
    this.socket.emit('room:subscribe', {}, (reply) => {
      if (!reply.ok) return this.say(`The room view was refused: ${reply.error}. Open the instructor link again.`);
      this.say(undefined);
      this.apply(reply.value);
    });
  }

  private apply(snapshot: RoomSnapshot): void {
    this.snapshot = snapshot;
    if (!snapshot.labs.some((l) => l.id === this.labId)) this.labId = snapshot.labs[0]?.id ?? '';
    this.render();
    if (snapshot.ended && !this.ended) this.setEnded();
  }

  private render(): void {
    const s = this.snapshot;
    document.title = `Room: ${s.title} — kindlab`;
    this.title.textContent = s.title;
    const online = s.learners.filter((l) => l.online).length;
    const stuck = s.learners.filter((l) => l.sessions.some((x) => x.stuck)).length;
    fill(
      this.stats,
      stat('kl-stat-joined', `${s.learners.length} / ${s.capacity}`, 'joined'),
      stat('kl-stat-online', String(online), 'online'),
      stat(stuck ? 'kl-stat-stuck kl-stat--alert' : 'kl-stat-stuck', String(stuck), 'stuck'),
      stat('kl-stat-pool', `${s.pool.ready} ready · ${s.pool.provisioning} warming`, 'pre-warm pool'),
      h('span', { class: 'kl-room-code', title: 'Event code learners type on /join' }, 'Code ', h('code', {}, s.code)),
    );
    fill(
      this.labTabs,
      ...s.labs.map((l) => {
        const b = h('button', { type: 'button', role: 'tab', class: 'kl-room-lab', 'aria-selected': String(l.id === this.labId), 'data-lab': l.id }, l.title);
        b.addEventListener('click', () => {
          this.labId = l.id;
          this.render();
        });
        return b;
      }),
    );
    this.labTabs.hidden = s.labs.length < 2;
    this.renderGrid();
  }

  private renderGrid(): void {
    const s = this.snapshot;
    const lab = s.labs.find((l) => l.id === this.labId);
    const steps = lab?.steps ?? [];
    const rows = roomRows(s, { labId: this.labId, sort: this.sort, onlyStuck: this.onlyStuck });
    const selected = this.shadow.current?.learnerId;
    this.timers.length = 0;

    const head = h(
      'tr',
      {},
      h('th', { scope: 'col', class: 'kl-col-learner' }, 'Learner'),
      ...steps.map((st, i) => h('th', { scope: 'col', class: 'kl-col-step', title: st.title }, h('span', { class: 'kl-step-num' }, String(i + 1)), h('span', { class: 'kl-step-name' }, st.title))),
      h('th', { scope: 'col', class: 'kl-col-num' }, 'Done'),
      h('th', { scope: 'col', class: 'kl-col-current' }, 'On step for'),
      h('th', { scope: 'col', class: 'kl-col-num', title: 'Failed checks on the current step, of all failed checks in this lab' }, 'Failed'),
    );
    const body = rows.map((r) => this.row(r, steps, r.learnerId === selected));
    // A redraw replaces the rows; keep keyboard focus on the learner it was on.
    const focused = document.activeElement instanceof HTMLElement && this.table.contains(document.activeElement) ? document.activeElement.closest<HTMLElement>('tr')?.dataset.learner : undefined;
    fill(this.table, h('thead', {}, head), h('tbody', {}, ...body));
    if (focused) this.table.querySelector<HTMLElement>(`tr[data-learner="${CSS.escape(focused)}"] .kl-learner`)?.focus();
    this.empty.hidden = rows.length > 0;
    this.empty.textContent = s.learners.length === 0 ? `Nobody has joined yet. Learners open /join and type the code ${s.code}.` : this.onlyStuck ? 'Nobody is stuck right now.' : '';
    this.tickTimers();
  }

  private row(r: RoomRow, steps: readonly { id: string; title: string }[], selected: boolean): HTMLElement {
    const currentIndex = steps.findIndex((s) => s.id === r.currentStepId);
    const current = currentIndex >= 0 ? steps[currentIndex] : undefined;
    const since = h('span', { class: 'kl-since', 'data-since': r.currentStepSince ?? '' });
    if (r.currentStepSince !== undefined) this.timers.push(since);
    const env = r.session?.environment;
    const classes = ['kl-room-row', r.stuck ? 'kl-room-row--stuck' : '', r.online ? '' : 'kl-room-row--offline', selected ? 'kl-room-row--selected' : ''].filter(Boolean).join(' ');
    return h(
      'tr',
      { class: classes, 'data-learner': r.learnerId, 'data-session': r.session?.sessionId, 'aria-selected': selected ? 'true' : undefined },
      h(
        'th',
        { scope: 'row', class: 'kl-col-learner' },
        h(
          'button',
          { type: 'button', class: 'kl-learner', disabled: !r.session, title: r.session ? `Watch ${r.name}'s terminal (read-only)` : `${r.name} has not opened this lab yet` },
          h('span', { class: `kl-presence kl-presence--${r.online ? 'online' : 'offline'}`, title: r.online ? 'online' : 'offline' }, r.online ? '●' : '○'),
          h('span', { class: 'kl-learner-name' }, r.name),
          h('span', { class: 'kl-visually-hidden' }, r.online ? ' (online)' : ' (offline)'),
        ),
        h(
          'div',
          { class: 'kl-learner-sub' },
          r.stuck ? h('span', { class: 'kl-stuck-flag', title: r.stuckReason ?? 'stuck' }, '⚑ STUCK') : null,
          r.stuck && r.stuckReason ? h('span', { class: 'kl-stuck-reason' }, r.stuckReason) : null,
          !r.session ? h('span', { class: 'kl-env-chip' }, 'lab not opened') : null,
          env && env !== 'ready' ? h('span', { class: `kl-env-chip kl-env-chip--${env}` }, env === 'provisioning' ? 'environment starting' : `environment ${env}`) : null,
          !r.online ? h('span', { class: 'kl-muted kl-last-seen', 'data-seen': r.lastSeenAt }, 'offline') : null,
        ),
      ),
      ...r.cells.map((c, i) =>
        h(
          'td',
          {
            class: `kl-cell kl-cell--${c.state}${c.current ? ' kl-cell--current' : ''}`,
            'data-step': c.stepId,
            'data-state': c.state,
            title: `${i + 1}. ${steps[i]?.title ?? c.stepId}: ${CELL_LABEL[c.state]}${c.attempts ? ` — ${c.attempts} check${c.attempts === 1 ? '' : 's'}, ${c.failedAttempts} failed` : ''}`,
          },
          h('span', { class: 'kl-cell-mark', 'aria-hidden': 'true' }, CELL_SYMBOL[c.state]),
          h('span', { class: 'kl-visually-hidden' }, CELL_LABEL[c.state]),
        ),
      ),
      h('td', { class: 'kl-col-num kl-done' }, `${r.passed}/${r.cells.length}`),
      h('td', { class: 'kl-col-current' }, current ? h('span', { class: 'kl-current-step', title: current.title }, `${currentIndex + 1}. ${current.title}`) : h('span', { class: 'kl-muted' }, r.session ? '—' : ''), current ? ' ' : null, current ? since : null),
      h('td', { class: 'kl-col-num kl-failed' }, !r.session ? '' : r.failedTotal === 0 ? h('span', { class: 'kl-muted' }, '0') : h('span', {}, h('strong', {}, String(r.failedOnCurrent)), h('span', { class: 'kl-muted' }, ` of ${r.failedTotal}`))),
    );
  }

  private tickTimers(): void {
    const now = Date.now();
    for (const el of this.timers) {
      const since = Number(el.dataset.since);
      if (since) el.textContent = elapsed(now - since);
    }
    for (const el of this.table.querySelectorAll<HTMLElement>('.kl-last-seen')) {
      el.textContent = `offline · seen ${elapsed(now - Number(el.dataset.seen))} ago`;
    }
  }

  private onTableClick(e: Event): void {
    const row = e.target instanceof Element ? e.target.closest<HTMLElement>('tr.kl-room-row') : null;
    if (!row) return;
    const learner = this.snapshot.learners.find((l) => l.learnerId === row.dataset.learner);
    const session = learner?.sessions.find((s) => s.labId === this.labId);
    if (!learner || !session) return;
    const lab = this.snapshot.labs.find((l) => l.id === this.labId);
    void this.shadow.open({ learnerId: learner.learnerId, name: learner.name, sessionId: session.sessionId, labId: session.labId, labTitle: lab?.title ?? session.labId });
    this.renderGrid();
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    const n = this.snapshot.learners.length;
    if (!window.confirm(`End “${this.snapshot.title}” now? Every learner's environment and terminal is torn down (${n} learner${n === 1 ? '' : 's'}). Progress and results stay available for export.`)) return;
    this.endButton.disabled = true;
    try {
      await workshopApi.end();
      this.setEnded();
    } catch (e) {
      this.endButton.disabled = false;
      this.say(`Could not end the workshop: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private setEnded(): void {
    this.ended = true;
    this.endButton.disabled = true;
    this.endButton.textContent = 'Workshop ended';
    this.root.classList.add('kl-room--ended');
    this.shadow.close();
    this.say('The workshop has ended: environments are torn down. The results are still here to export.');
  }

  private say(message: string | undefined): void {
    this.notice.hidden = !message;
    this.notice.textContent = message ?? '';
  }
}

function stat(cls: string, value: string, label: string): HTMLElement {
  return h('span', { class: `kl-stat ${cls}` }, h('strong', {}, value), ' ', h('span', { class: 'kl-stat-label' }, label));
}

function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'kl-room-legend', 'aria-label': 'Legend' },
    ...LEGEND.map((s) => h('li', {}, h('span', { class: `kl-cell kl-cell--${s} kl-legend-swatch`, 'aria-hidden': 'true' }, h('span', { class: 'kl-cell-mark' }, CELL_SYMBOL[s])), CELL_LABEL[s])),
    h('li', {}, h('span', { class: 'kl-stuck-flag' }, '⚑ STUCK'), ' too many failed checks or too long on one step'),
  );
}
