/**
 * The page's connection to the server: WebSocket only, and kindlab's socket.io
 * parser, which the server requires (large terminal output arrives as one
 * binary message; common/socket-parser.ts).
 */
import { io, type Socket } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';

export function openSocket<S extends Socket = Socket>(): S {
  return io({ transports: ['websocket'], parser: socketParser }) as S;
}
