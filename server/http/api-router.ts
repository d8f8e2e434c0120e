/** The JSON API the browser bundle reads. */
import express, { Router } from 'express';
import { z } from 'zod';
import { allSteps, type Lab } from '../../common/lab.js';
import type { AppDeps, AppLogger, ServerSession } from '../server.js';
import { HttpError } from './errors.js';
import { requireLearner } from '../workshop/workshop-routes.js';

/** Lab ids are folder names; session ids come from the store. Both stay short and plain. */
const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);

export interface LabDetails {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly environment: Lab['environment']['type'];
  readonly terminals: readonly { name: string; title: string; target: string }[];
  readonly chapters: readonly { id: string; title: string; html: string }[];
  readonly steps: readonly { id: string; title: string; chapter: string; checks: number; answers: number; solvable: boolean }[];
}

export function labDetails(lab: Lab): LabDetails {
  return {
    id: lab.id,
    title: lab.title,
    summary: lab.summary,
    environment: lab.environment.type,
    terminals: lab.terminals.map((t) => ({ name: t.name, title: t.title ?? t.name, target: t.target })),
    chapters: lab.chapters.map((c) => ({ id: c.id, title: c.title, html: c.html })),
    steps: allSteps(lab).map((s) => ({
      id: s.id,
      title: s.title,
      chapter: s.chapter,
      checks: s.checks.length,
      answers: s.answers.length,
      solvable: s.solves.length > 0,
    })),
  };
}

function param(value: unknown, what: string): string {
  const parsed = Id.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `malformed ${what}`);
  return parsed.data;
}

export function apiRouter<S extends ServerSession>(deps: AppDeps<S>, logger: AppLogger): Router {
  const r = Router();
  r.use(express.json({ limit: '16kb' }));

  const ws = deps.workshop;
  /** In workshop mode only the event's labs exist, as far as anyone can tell. */
  const inEvent = (id: string) => !ws || ws.workshop.labIds().includes(id);

  r.get('/labs', (_req, res) => {
    res.json(deps.catalogue().entries.filter((e) => inEvent(e.id)));
  });

  r.get('/labs/:id', (req, res) => {
    const id = param(req.params.id, 'lab id');
    if (!inEvent(id)) throw new HttpError(404, `no lab ${id}`);
    res.json(labDetails(findLab(deps, id)));
  });

  r.post('/labs/:id/session', async (req, res) => {
    const id = param(req.params.id, 'lab id');
    if (!inEvent(id)) throw new HttpError(404, `no lab ${id}`);
    findLab(deps, id);
    let session: S;
    if (ws) {
      const learner = requireLearner(res);
      if (ws.workshop.ended) throw new HttpError(410, 'The workshop has ended.');
      session = await ws.openSession(id, learner.id);
    } else session = await deps.sessions.open(id);
    logger.info(`kindlab: session ${session.id} for lab ${id}`);
    res.status(201).json({ sessionId: session.id });
  });

  r.get('/sessions/:id', (req, res) => {
    const id = param(req.params.id, 'session id');
    if (ws) {
      const learner = requireLearner(res);
      // Someone else's session and no session look different on purpose: 403 says "not yours" and nothing more.
      const owner = ws.workshop.ownerOf(id);
      if (owner !== undefined && owner !== learner.id) throw new HttpError(403, 'that session belongs to someone else');
      if (owner === undefined) throw new HttpError(404, `no session ${id}`);
    }
    const session = deps.sessions.get(id);
    if (!session) throw new HttpError(404, `no session ${id}`);
    res.json(session.snapshot());
  });

  r.get('/doctor', async (_req, res) => {
    res.json(deps.doctor ? await deps.doctor() : []);
  });

  return r;
}

/** The lab, or the error the client should see: 422 with problems for a broken lab, 404 for none. */
export function findLab<S extends ServerSession>(deps: AppDeps<S>, id: string): Lab {
  const { labs, entries } = deps.catalogue();
  const lab = labs.get(id);
  if (lab) return lab;
  const entry = entries.find((e) => e.id === id);
  if (entry && !entry.ok) throw new HttpError(422, `lab ${id} has errors`, { problems: entry.problems, title: entry.title });
  throw new HttpError(404, `no lab ${id}`);
}
