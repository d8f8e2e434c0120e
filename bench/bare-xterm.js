// The ceiling page's bundle: xterm.js alone, no network, no kindlab code.
import { Terminal } from '@xterm/xterm';

globalThis.BareTerminal = Terminal;
