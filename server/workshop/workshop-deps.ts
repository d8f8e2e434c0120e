/** Wires a Workshop into createApp's deps (the CLI and tests both use this). */
import type { WorkshopDeps } from '../server.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { attachRoomChannel } from './room-channel.js';
import type { Workshop } from './workshop.js';

export function workshopDeps(workshop: Workshop, sessions: SessionManager): WorkshopDeps<Session> {
  return {
    workshop,
    openSession: (labId, learnerId) => workshop.openSession(labId, learnerId),
    attachSockets: (io) => attachRoomChannel(io, workshop, sessions),
  };
}
