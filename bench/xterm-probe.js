// Substituted for '@xterm/xterm' when the bench bundles kindlab's web/ code:
// the same Terminal, registered on globalThis.__benchTerms so the bench can
// hook the instance kindlab's page creates (WeTTY exposes window.wetty_term).
import { Terminal as XtermTerminal } from '@xterm/xterm';

export * from '@xterm/xterm';

export class Terminal extends XtermTerminal {
  constructor(options) {
    super(options);
    (globalThis.__benchTerms ??= []).push(this);
  }
}
