/**
 * How many learners one machine can seat: memory per environment, measured
 * from a pre-warmed environment's containers (`docker stats --no-stream`), or
 * the configured estimate for kind clusters (which cannot be measured before
 * one exists), against the memory Docker has.
 */
import { dockerMemory, measureEnvironmentMemory, runningSessionOfLab } from '../../cluster/docker/memory.js';
import type { Diagnosis } from '../../common/environment.js';
import type { Lab } from '../../common/lab.js';

/** A kind cluster of a control plane and one worker settles around 1.5 GiB (kind's own guidance is 4–8 GiB for the host); each extra worker adds about half. */
export const KIND_ESTIMATE_BYTES = 1.5 * 1024 ** 3;
/** Room for the server, the browser-side shells and the kernel. */
export const HOST_RESERVE_BYTES = 1024 ** 3;

export interface CapacityPlan {
  readonly perEnvironmentBytes: number;
  readonly measured: boolean;
  readonly availableBytes: number;
  readonly seats: number;
  readonly wanted: number;
}

/** Seats that fit: (available − reserve) / per-environment, at least 0. */
export function planCapacity(perEnvironmentBytes: number, availableBytes: number, wanted: number, measured: boolean): CapacityPlan {
  const seats = Math.max(0, Math.floor((availableBytes - HOST_RESERVE_BYTES) / Math.max(1, perEnvironmentBytes)));
  return { perEnvironmentBytes, measured, availableBytes, seats, wanted };
}

const GiB = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
const MiB = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;

/** The plan as a doctor item. */
export function capacityDiagnosis(plan: CapacityPlan): Diagnosis {
  const ok = plan.seats >= plan.wanted;
  return {
    id: 'workshop-capacity',
    ok,
    severity: 'warning',
    title: 'Workshop capacity',
    detail: `${MiB(plan.perEnvironmentBytes)} per environment (${plan.measured ? 'measured' : 'estimated'}), ${GiB(plan.availableBytes)} available: about ${plan.seats} seat(s) for ${plan.wanted} wanted`,
    ...(ok ? {} : { fix: `Lower capacity to ${plan.seats}, use a machine with more memory, or spread learners over several hosts (see docs/scaling.md).` }),
  };
}

/** A plain container machine idles at a few MiB; leave headroom for what learners run in it. */
export const CONTAINER_MACHINE_ESTIMATE_BYTES = 64 * 1024 ** 2;

/**
 * The capacity plan for an event's first lab (the one every learner starts):
 * measured from a running environment of it when one exists (e.g. a
 * pre-warmed seat), else estimated from its spec.
 */
export async function workshopCapacity(lab: Lab, wanted: number, sessionId?: string): Promise<CapacityPlan> {
  let per: number | undefined;
  if (sessionId) per = await measureEnvironmentMemory(sessionId);
  else if (lab.environment.type !== 'local') {
    const running = await runningSessionOfLab(lab.id);
    if (running) per = await measureEnvironmentMemory(running);
  }
  const measured = per !== undefined;
  const env = lab.environment;
  per ??= env.type === 'kind' ? KIND_ESTIMATE_BYTES * (1 + env.workers) / 2 : env.type === 'containers' ? CONTAINER_MACHINE_ESTIMATE_BYTES * env.machines.length : CONTAINER_MACHINE_ESTIMATE_BYTES;
  return planCapacity(per, await dockerMemory(), wanted, measured);
}
