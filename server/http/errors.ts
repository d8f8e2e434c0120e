/** JSON errors for the API, mounted once, last. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AppLogger } from '../server.js';

/** An error whose message is meant for the client, with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `not found: ${req.method} ${req.path}`));
};

export function errorHandler(logger: AppLogger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...err.body });
      return;
    }
    // body-parser's own errors (bad JSON, too large) carry a 4xx status and a safe message.
    const status = typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : 500;
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: err instanceof Error ? err.message : 'bad request' });
      return;
    }
    logger.error('kindlab: request failed', err);
    res.status(500).json({ error: 'internal error (see the server log)' });
  };
}
