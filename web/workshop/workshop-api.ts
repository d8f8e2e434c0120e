/** The workshop's HTTP API, as the join page, the instructor page and learner pages see it. */
import { ApiError } from '../api.js';
import type { RoomSnapshot } from '../../common/protocol.js';

export interface WorkshopInfo {
  readonly title: string;
  readonly labs: readonly { id: string; title: string }[];
  readonly capacity: number;
  readonly joined: number;
  readonly mode: 'workshop';
  /** Set once the instructor ended the event (if the server reports it). */
  readonly ended?: boolean;
}

export interface JoinReply {
  readonly learnerId: string;
  readonly name: string;
  readonly resumeUrl: string;
}

export interface Me {
  readonly learnerId: string;
  readonly name: string;
  readonly labs?: readonly { id: string; title: string }[];
  readonly ended?: boolean;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, typeof json.error === 'string' ? json.error : `${res.status} ${res.statusText}`, json);
  return json as T;
}

export const workshopApi = {
  info: () => request<WorkshopInfo>('GET', '/api/workshop/info'),
  join: (code: string, name: string) => request<JoinReply>('POST', '/api/workshop/join', { code, name }),
  me: () => request<Me>('GET', '/api/workshop/me'),
  login: (token: string) => request<unknown>('POST', '/api/instructor/login', { token }),
  room: () => request<RoomSnapshot>('GET', '/api/workshop/room'),
  end: () => request<unknown>('POST', '/api/workshop/end'),
};

/** The result exports the room view offers, by the label on their button. */
export const RESULT_EXPORTS = [
  { label: 'CSV', href: '/api/workshop/results.csv', file: 'results.csv' },
  { label: 'JSON', href: '/api/workshop/results.json', file: 'results.json' },
  { label: 'JUnit', href: '/api/workshop/results.junit.xml', file: 'results.junit.xml' },
] as const;
