/**
 * The terminal area of the lab page: one tab per terminal, each showing its
 * status, and one xterm view per tab. Terminals attach when first shown, so a
 * tab the learner never opens never starts a shell.
 */
import type { TerminalInfo, TerminalStatus } from '../../common/protocol.js';
import { TerminalView } from './terminal-view.js';
import type { PageSocket } from '../socket.js';

/** What browser tests read through `window.__kindlab.terminals`. */
export interface TerminalTestHook {
  names(): string[];
  /** The terminal's buffer lines (scrollback included), as the learner sees them. */
  text(name: string): string[];
  status(name: string): TerminalStatus | undefined;
  /** Seq just past the last byte received. */
  seq(name: string): number | undefined;
  run(name: string, command: string): void;
}

const STATUS_LABEL: Record<TerminalStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'closed',
};

const STYLE_ID = 'kl-term-style';
const STYLE = `
.kl-term { display: flex; flex-direction: column; height: 100%; min-height: 0; background: #1e1e1e; }
.kl-term-tabs { display: flex; align-items: stretch; gap: 2px; background: #2d2d2d; flex: none; overflow-x: auto; }
.kl-term-tab { display: flex; align-items: center; gap: 6px; padding: 6px 12px; border: 0; background: transparent; color: #bbb; font: inherit; cursor: pointer; white-space: nowrap; }
.kl-term-tab[aria-selected="true"] { background: #1e1e1e; color: #fff; }
.kl-term-dot { width: 8px; height: 8px; border-radius: 50%; background: #888; }
.kl-term-tab[data-status="live"] .kl-term-dot { background: #3fb950; }
.kl-term-tab[data-status="connecting"] .kl-term-dot, .kl-term-tab[data-status="reconnecting"] .kl-term-dot { background: #d29922; }
.kl-term-tab[data-status="closed"] .kl-term-dot { background: #f85149; }
.kl-term-status { font-size: 0.8em; opacity: 0.7; }
.kl-term-keys { margin-left: auto; align-self: center; padding: 0 10px; font-size: 12px; color: #9aa1ab; white-space: nowrap; }
.kl-term-keys kbd { font: inherit; border: 1px solid #555; border-radius: 3px; padding: 0 4px; color: #ccc; }
.kl-tabpanes { position: relative; flex: 1; min-height: 0; }
.kl-tabpane { position: absolute; inset: 0; padding: 4px; }
.kl-tabpane[hidden] { display: none; }
`;

interface Tab {
  readonly view: TerminalView;
  readonly button: HTMLButtonElement;
  readonly statusText: HTMLElement;
  readonly pane: HTMLElement;
  shown: boolean;
}

export class TerminalTabs {
  private readonly tabs = new Map<string, Tab>();
  private readonly root: HTMLElement;
  private active: string | undefined;
  private readonly hook: TerminalTestHook;

  constructor(
    container: HTMLElement,
    socket: PageSocket,
    terminals: TerminalInfo[],
  ) {
    ensureStyle(container.ownerDocument);
    this.root = container.ownerDocument.createElement('div');
    this.root.className = 'kl-term';
    const bar = el(this.root, 'div', 'kl-term-tabs');
    bar.setAttribute('role', 'tablist');
    const panes = el(this.root, 'div', 'kl-tabpanes');
    container.append(this.root);

    for (const info of terminals) {
      const button = el(bar, 'button', 'kl-term-tab') as HTMLButtonElement;
      button.type = 'button';
      button.setAttribute('role', 'tab');
      button.dataset.terminal = info.name;
      el(button, 'span', 'kl-term-dot');
      el(button, 'span', 'kl-term-title').textContent = info.title;
      const statusText = el(button, 'span', 'kl-term-status');
      const pane = el(panes, 'div', 'kl-tabpane');
      pane.dataset.terminal = info.name;
      pane.setAttribute('role', 'tabpanel');
      pane.hidden = true;
      const view = new TerminalView(pane, socket, info);
      const tab: Tab = { view, button, statusText, pane, shown: false };
      const render = (s: TerminalStatus, message?: string): void => {
        button.dataset.status = s;
        statusText.textContent = STATUS_LABEL[s];
        button.title = message ? `${info.title}: ${message}` : `${info.title}: ${STATUS_LABEL[s]}`;
      };
      render(view.status);
      view.onStatus(render);
      button.addEventListener('click', () => this.show(info.name));
      this.tabs.set(info.name, tab);
    }
    // Tab completes in the shell, so F6 is the way out (handled by the page); say so where keyboard users look.
    const keys = el(bar, 'span', 'kl-term-keys');
    keys.title = 'Tab completes commands in the shell; press F6 to move between the chapter and the terminal';
    el(keys, 'kbd', '').textContent = 'F6';
    keys.append(' chapter ⇄ terminal');
    const first = terminals[0];
    // Shown but not focused: taking the focus on load would trap a keyboard user in the shell, where Tab completes.
    if (first) this.show(first.name, false);

    this.hook = {
      names: () => [...this.tabs.keys()],
      text: (name) => this.tabs.get(name)?.view.text() ?? [],
      status: (name) => this.tabs.get(name)?.view.status,
      seq: (name) => this.tabs.get(name)?.view.seq,
      run: (name, command) => this.run(name, command),
    };
    const w = globalThis as unknown as { __kindlab?: Record<string, unknown> };
    w.__kindlab = { ...(w.__kindlab ?? {}), terminals: this.hook };
  }

  /** Bring a terminal's tab to the front (attaching it the first time), and focus it unless told not to. */
  show(name: string, focus = true): void {
    const tab = this.tabs.get(name);
    if (!tab) return;
    for (const [n, t] of this.tabs) {
      t.pane.hidden = n !== name;
      t.button.setAttribute('aria-selected', String(n === name));
    }
    this.active = name;
    // The pane is laid out only once visible; fit before attaching so the shell starts at the right size.
    tab.view.fitToPane();
    if (!tab.shown) {
      tab.shown = true;
      tab.view.attach();
    }
    if (focus) tab.view.focus();
  }

  /** Focus the terminal in front (F6 from the chapter). */
  focus(): void {
    if (this.active) this.tabs.get(this.active)?.view.focus();
  }

  /** Type a command and Enter into a terminal (a `run` directive), and focus it. */
  run(name: string, command: string): void {
    const tab = this.tabs.get(name);
    if (!tab) return;
    if (this.active !== name || !tab.shown) this.show(name);
    // Lines end with carriage return, as if typed.
    tab.view.type(`${command.replace(/\r?\n/g, '\r')}\r`);
    tab.view.focus();
  }

  /** The view of one terminal (for pages that need more than tabs). */
  view(name: string): TerminalView | undefined {
    return this.tabs.get(name)?.view;
  }

  dispose(): void {
    for (const t of this.tabs.values()) t.view.dispose();
    this.tabs.clear();
    this.root.remove();
    const w = globalThis as unknown as { __kindlab?: Record<string, unknown> };
    if (w.__kindlab?.terminals === this.hook) delete w.__kindlab.terminals;
  }
}

function el(parent: HTMLElement, tag: string, className: string): HTMLElement {
  const e = parent.ownerDocument.createElement(tag);
  e.className = className;
  parent.append(e);
  return e;
}

function ensureStyle(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = STYLE;
  doc.head.append(style);
}
