/** The JSON API, as the bundle sees it. */
import type { CatalogueEntry, EnvironmentSpec, LabProblem } from '../common/lab.js';
import type { Diagnosis } from '../common/environment.js';

export interface LabDetails {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly environment: EnvironmentSpec['type'];
  readonly terminals: readonly { name: string; title: string; target: string }[];
  readonly chapters: readonly { id: string; title: string; html: string }[];
  readonly steps: readonly { id: string; title: string; chapter: string; checks: number; answers: number; solvable: boolean }[];
}

/** A failed request, with what the server said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
  get problems(): readonly LabProblem[] {
    return Array.isArray(this.body.problems) ? (this.body.problems as LabProblem[]) : [];
  }
}

async function request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const res = await fetch(path, { method, headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`, body);
  return body as T;
}

export const api = {
  catalogue: () => request<CatalogueEntry[]>('GET', '/api/labs'),
  lab: (id: string) => request<LabDetails>('GET', `/api/labs/${encodeURIComponent(id)}`),
  openSession: (labId: string) => request<{ sessionId: string }>('POST', `/api/labs/${encodeURIComponent(labId)}/session`),
  doctor: () => request<Diagnosis[]>('GET', '/api/doctor'),
};

export const ENVIRONMENT_NAMES: Record<string, string> = {
  local: 'Local shell',
  containers: 'Docker containers',
  kind: 'kind cluster',
};
