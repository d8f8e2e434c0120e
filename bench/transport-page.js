// The transport experiment's page bundle (bench/transport.ts): xterm.js and
// the socket.io client, nothing of kindlab's.
import { Terminal } from '@xterm/xterm';
import { io } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.ts';

globalThis.BareTerminal = Terminal;
globalThis.io = io;
globalThis.socketParser = socketParser;
