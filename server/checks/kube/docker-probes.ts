/** Answer probes for Docker-in-Docker labs (pod-by-hand): a container's full ID and its PID, in the probe's target. */
import { z } from 'zod';
import { ProbeError, type BuiltinProbe, type CheckContext } from '../builtin.js';
import { dockerRef, findDockerContainer } from './find-docker-container.js';

const params = z.strictObject({ container: dockerRef });
type Params = z.output<typeof params>;

function words(ref: Params['container']): string {
  return typeof ref === 'string' ? `container ${ref}` : `the container labelled ${ref.label}`;
}

async function find(ctx: CheckContext, p: Params) {
  const found = await findDockerContainer(ctx, ctx.target, p.container);
  if (!found.ok) throw new ProbeError(`${words(p.container)} in ${ctx.target}: ${found.message}`);
  return found;
}

export const dockerContainerIdProbe: BuiltinProbe<Params> = {
  name: 'docker-container-id',
  description: 'The full ID of a Docker container in the target machine (by name/ID or {label}).',
  params,
  async value(ctx, p) {
    return (await find(ctx, p)).id;
  },
};

export const dockerPidProbe: BuiltinProbe<Params> = {
  name: 'docker-pid',
  description: "The PID of a running Docker container's main process, in the target machine's PID namespace.",
  params,
  async value(ctx, p) {
    const found = await find(ctx, p);
    if (!found.pid) throw new ProbeError(`${words(p.container)} in ${ctx.target} is not running`);
    return String(found.pid);
  },
};
