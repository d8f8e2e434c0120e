/** Headers every response carries; the policy only allows what the bundle needs. */
import type { RequestHandler } from 'express';

/**
 * `style-src 'unsafe-inline'`: xterm.js injects a <style> element for its theme
 * and cell sizes. Scripts stay strictly 'self'. `connect-src 'self'` covers the
 * same-origin WebSocket in current browsers.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};
