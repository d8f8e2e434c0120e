/** The two HTML pages; the bundle does the rendering. */
import { Router } from 'express';
import type { AppDeps, ServerSession } from '../server.js';
import { pageShell } from './page-shell.js';

export function pageRouter<S extends ServerSession>(deps: AppDeps<S>): Router {
  const r = Router();
  const mode = deps.workshop ? 'workshop' : 'local';
  r.get('/', (_req, res) => {
    res.type('html').send(pageShell('kindlab — labs', mode));
  });
  r.get('/labs/:id', (req, res) => {
    const { labs, entries } = deps.catalogue();
    const id = String(req.params.id);
    const lab = labs.get(id);
    const known = lab !== undefined || entries.some((e) => e.id === id);
    // An unknown lab still gets the shell (the bundle explains), but with the right status.
    res.status(known ? 200 : 404).type('html').send(pageShell(lab ? `${lab.title} — kindlab` : 'kindlab', mode));
  });
  return r;
}
