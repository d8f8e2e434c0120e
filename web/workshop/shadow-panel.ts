/**
 * The side panel of the room view: a learner's terminals as they happen,
 * read-only. It reuses the ordinary terminal tabs over a ShadowSocket, which
 * has no input path: a keystroke is dropped before the wire, counted, and the
 * panel says so (rather than a silent dead terminal).
 */
import type { TerminalInfo } from '../../common/protocol.js';
import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { TerminalTabs } from '../terminal/terminal-tabs.js';
import { ShadowSocket } from './shadow-socket.js';
import type { PageSocket } from '../socket.js';

/** What the panel needs to know about whom it shows. */
export interface ShadowTarget {
  readonly learnerId: string;
  readonly name: string;
  readonly sessionId: string;
  readonly labId: string;
  readonly labTitle: string;
}

export class ShadowPanel {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private tabs: TerminalTabs | undefined;
  private shadow: ShadowSocket | undefined;
  private target: ShadowTarget | undefined;
  /** Terminal lists per lab, fetched once. */
  private readonly terminalsByLab = new Map<string, Promise<TerminalInfo[]>>();
  private readonly closeListeners = new Set<() => void>();
  /** Keystrokes typed into the shadow and not sent (shown, so the instructor knows why nothing happens). */
  private keystrokesDropped = 0;

  constructor(private readonly socket: PageSocket) {
    this.heading = h('h2', { class: 'kl-shadow-title' });
    this.note = h('p', { class: 'kl-shadow-note', role: 'status', 'aria-live': 'polite' }, 'Read-only: what you type here is not sent.');
    this.body = h('div', { class: 'kl-shadow-terms' });
    const close = h('button', { type: 'button', class: 'kl-button kl-shadow-close', 'aria-label': 'Close the terminal view' }, '✕');
    close.addEventListener('click', () => this.close());
    this.element = h(
      'aside',
      { class: 'kl-shadow', 'aria-label': 'Learner terminal (read-only)', hidden: true },
      h('header', { class: 'kl-shadow-head' }, h('div', {}, h('span', { class: 'kl-readonly-badge' }, 'READ-ONLY'), this.heading), close),
      this.note,
      this.body,
    );
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
  }

  get current(): ShadowTarget | undefined {
    return this.target;
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async open(target: ShadowTarget): Promise<void> {
    if (this.target?.sessionId === target.sessionId) return;
    this.dispose();
    this.target = target;
    this.element.hidden = false;
    this.element.dataset.learner = target.learnerId;
    this.element.dataset.session = target.sessionId;
    fill(this.heading, target.name, h('span', { class: 'kl-shadow-lab' }, ` · ${target.labTitle}`));
    this.say('Read-only: what you type here is not sent.');
    fill(this.body, h('p', { class: 'kl-muted kl-shadow-wait' }, 'Connecting to their terminals…'));
    const terminals = await this.terminals(target.labId);
    if (this.target !== target) return; // another learner was picked meanwhile
    fill(this.body);
    if (!terminals.length) {
      fill(this.body, h('p', { class: 'kl-muted kl-shadow-wait' }, 'This lab has no terminals.'));
      return;
    }
    const shadow = new ShadowSocket(this.socket, target.sessionId);
    shadow.onDropped((event) => {
      if (event !== 'term:input') return;
      this.keystrokesDropped++;
      this.say(`Read-only: ${this.keystrokesDropped} keystroke${this.keystrokesDropped === 1 ? '' : 's'} not sent. Talk to ${target.name} instead.`);
    });
    this.shadow = shadow;
    this.tabs = new TerminalTabs(this.body, shadow.asTerminalSocket(), terminals);
    // xterm's stdin stays on so a keystroke reaches the adapter, which drops it and says so.
    for (const t of terminals) {
      const view = this.tabs.view(t.name);
      if (view) view.term.options.cursorBlink = false;
    }
  }

  close(): void {
    if (!this.target) return;
    this.dispose();
    this.element.hidden = true;
    for (const l of this.closeListeners) l();
  }

  /** Keystrokes typed into the current shadow and not sent. */
  get droppedKeystrokes(): number {
    return this.keystrokesDropped;
  }

  dispose(): void {
    this.tabs?.dispose();
    this.tabs = undefined;
    this.shadow?.close();
    this.shadow = undefined;
    this.keystrokesDropped = 0;
    this.target = undefined;
    delete this.element.dataset.learner;
    delete this.element.dataset.session;
  }

  private say(text: string): void {
    this.note.textContent = text;
  }

  private terminals(labId: string): Promise<TerminalInfo[]> {
    let p = this.terminalsByLab.get(labId);
    if (!p) {
      p = api.lab(labId).then(
        (d) => d.terminals.map((t) => ({ name: t.name, title: t.title, status: 'connecting' as const })),
        () => [],
      );
      this.terminalsByLab.set(labId, p);
    }
    return p;
  }
}
