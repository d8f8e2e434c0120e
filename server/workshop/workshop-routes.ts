/**
 * The workshop's HTTP side: joining, resuming, instructor login, the room,
 * results, the timeline and the end. Mounted before the JSON API and the
 * pages, so its gate (learners only, instructor only) runs first.
 */
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import { z } from 'zod';
import { pageShell } from '../http/page-shell.js';
import { HttpError } from '../http/errors.js';
import { cookieHeader, INSTRUCTOR_COOKIE, LEARNER_COOKIE, parseCookies } from './cookies.js';
import { RateLimiter } from './rate-limiter.js';
import { plausibleToken } from './tokens.js';
import type { Workshop } from './workshop.js';
import type { LearnerRecord } from '../store/workshop-store.js';

/** An instructor's cookie lasts a long teaching day. */
const INSTRUCTOR_COOKIE_MS = 24 * 3_600_000;

export interface Identity {
  readonly learner?: LearnerRecord;
  readonly instructor: boolean;
  /** Why a learner cookie named nobody (e.g. expired), for the 401's message. */
  readonly why?: string;
}

/** Who a Cookie header names. Both cookies may be present (one browser, two tabs); each is checked on its own. */
export function identify(workshop: Workshop, cookie: string | undefined): Identity {
  const jar = parseCookies(cookie);
  const instructor = workshop.instructorTokenValid(jar.get(INSTRUCTOR_COOKIE));
  const lt = jar.get(LEARNER_COOKIE);
  if (lt === undefined) return { instructor };
  const found = workshop.learnerFromToken(lt);
  return found.learner ? { learner: found.learner, instructor } : { instructor, why: found.why };
}

export function identityOf(res: Response): Identity {
  return (res.locals as { identity?: Identity }).identity ?? { instructor: false };
}

/** Express middleware: the request's learner, or 401. */
export function requireLearner(res: Response): LearnerRecord {
  const id = identityOf(res);
  if (!id.learner) throw new HttpError(401, id.why && id.why !== 'no learner token' ? id.why : 'Join the workshop first (at /join).');
  return id.learner;
}

function requireInstructor(_req: Request, res: Response, next: NextFunction): void {
  const id = identityOf(res);
  if (id.instructor) return next();
  next(id.learner ? new HttpError(403, 'instructor only') : new HttpError(401, 'log in as the instructor first'));
}

const JoinBody = z.object({ code: z.string().max(64), name: z.string().max(200) }).strict();
const LoginBody = z.object({ token: z.string().max(200) }).strict();

export function workshopRoutes(workshop: Workshop): Router {
  const r = Router();
  const loginLimiter = new RateLimiter({ perMinute: 10, globalPerMinute: 60 });
  const json = express.json({ limit: '4kb' });
  const clientKey = (req: Request) => req.socket.remoteAddress ?? 'unknown';

  r.use((req, res, next) => {
    const id = identify(workshop, req.headers.cookie);
    (res.locals as { identity?: Identity }).identity = id;
    if (id.learner) workshop.touch(id.learner.id);
    next();
  });

  // Pages: W2's bundle renders them; the server only serves the shell (and keeps strangers on /join).
  r.get('/', (_req, res, next) => {
    if (identityOf(res).learner) return next();
    res.redirect(302, '/join');
  });
  r.get('/join', (_req, res) => {
    res.type('html').send(pageShell(`Join ${workshop.title} — kindlab`, 'workshop'));
  });
  r.get('/instructor', (_req, res) => {
    res.type('html').send(pageShell(`${workshop.title} — instructor — kindlab`, 'workshop'));
  });
  r.get('/resume/:token', (req, res) => {
    const token = String(req.params.token);
    if (!plausibleToken(token) || !workshop.learnerFromToken(token).learner) {
      res.redirect(302, '/join');
      return;
    }
    res.setHeader('Set-Cookie', cookieHeader(LEARNER_COOKIE, token, workshop.config.sessionTtl));
    res.redirect(302, '/');
  });

  r.get('/api/workshop/info', (_req, res) => {
    res.json(workshop.info());
  });

  r.post('/api/workshop/join', json, (req, res) => {
    const parsed = JoinBody.safeParse(req.body);
    // The limiter counts malformed requests too, so a flood of junk is throttled like a flood of joins.
    const outcome = parsed.success ? workshop.join(parsed.data, clientKey(req)) : workshop.joinLimiter.take(clientKey(req)) ? undefined : ({ ok: false, status: 429, error: 'Too many joins from here; wait a minute and try again.' } as const);
    if (!outcome) throw new HttpError(400, 'Send {code, name} as JSON text.');
    if (!outcome.ok) {
      if (outcome.status === 429) res.setHeader('Retry-After', '60');
      res.status(outcome.status).json({ error: outcome.error });
      return;
    }
    res.setHeader('Set-Cookie', cookieHeader(LEARNER_COOKIE, outcome.token, workshop.config.sessionTtl));
    res.json({ learnerId: outcome.learner.id, name: outcome.learner.name, resumeUrl: `/resume/${outcome.token}` });
  });

  r.get('/api/workshop/me', (_req, res) => {
    res.json(workshop.me(requireLearner(res)));
  });

  r.post('/api/instructor/login', json, (req, res) => {
    if (!loginLimiter.take(clientKey(req))) throw new HttpError(429, 'Too many attempts; wait a minute.');
    const parsed = LoginBody.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, 'Send {token} as JSON text.');
    if (!workshop.instructorTokenValid(parsed.data.token)) throw new HttpError(401, 'That instructor token is not right.');
    res.setHeader('Set-Cookie', cookieHeader(INSTRUCTOR_COOKIE, parsed.data.token, INSTRUCTOR_COOKIE_MS));
    res.json({ ok: true });
  });

  r.get('/api/workshop/room', requireInstructor, (_req, res) => {
    res.json(workshop.room());
  });
  r.get('/api/workshop/timeline', requireInstructor, (_req, res) => {
    res.json(workshop.timeline());
  });
  r.get('/api/workshop/results.csv', requireInstructor, (_req, res) => {
    res.type('text/csv').setHeader('Content-Disposition', 'attachment; filename="results.csv"');
    res.send(workshop.resultsCsv());
  });
  r.get('/api/workshop/results.json', requireInstructor, (_req, res) => {
    res.json(workshop.resultsJson());
  });
  r.get('/api/workshop/results.junit.xml', requireInstructor, (_req, res) => {
    res.type('application/xml').send(workshop.resultsJunit());
  });
  r.post('/api/workshop/end', requireInstructor, async (_req, res) => {
    const { environments } = await workshop.end();
    res.json({ ended: true, environments });
  });

  return r;
}
