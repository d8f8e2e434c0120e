/**
 * Known kind/Docker failures and what to do about them, matched on the tools'
 * own words (see test/fixtures/real-outputs/1-kind-create-failure-*).
 */

export interface FixContext {
  readonly clusterName: string;
  readonly nodeImage: string;
}

const CGROUP_FIX =
  'This host runs Docker on cgroup v1, and Kubernetes ≥ 1.35 refuses to start there by default. Either pin an older node image ' +
  '(kind ≤ v0.30.0 with kindest/node:v1.34.x), or add this to the lab\'s kubeadmConfigPatches:\n' +
  '  kind: KubeletConfiguration\n  failCgroupV1: false\n' +
  'The lasting fix is a cgroup v2 host (systemd.unified_cgroup_hierarchy=1). Run `kindlab doctor` to check.';

/** A fix for kind's error text, or undefined when kindlab does not recognise it. */
export function kindFix(text: string, ctx: FixContext): string | undefined {
  if (/executable file not found in \$PATH/.test(text) && /"docker"/.test(text)) {
    return 'kind needs the Docker CLI: install Docker Engine (https://docs.docker.com/engine/install/) and make sure `docker` is on PATH.';
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|docker\.sock: connect: (permission denied|no such file)/i.test(text)) {
    return /permission denied/i.test(text)
      ? 'Your user cannot reach the Docker socket: add it to the docker group (`sudo usermod -aG docker $USER`, then log in again).'
      : 'Docker is not running: start it (`sudo systemctl start docker`, or open Docker Desktop), then try again.';
  }
  if (/failed to pull image|manifest unknown|pull access denied|dial tcp|no such host|TLS handshake timeout|i\/o timeout/i.test(text)) {
    return (
      `The node image ${ctx.nodeImage} is not on this machine and cannot be pulled (offline, or the tag does not exist). ` +
      'While online, run `kindlab prepare <lab-dir>` to pull and tag it; offline, `docker load -i node.tar` and tag it as docs/operators.md explains.'
    );
  }
  if (/detected cgroup v1|cgroup v1|failCgroupV1|Multi-User System/i.test(text)) return CGROUP_FIX;
  if (/already exist for a cluster with the name/.test(text)) {
    return `A cluster named ${ctx.clusterName} already exists but is not usable: remove it with \`kind delete cluster --name ${ctx.clusterName}\` (or \`kindlab env down\`).`;
  }
  if (/too many open files|inotify/i.test(text)) {
    return 'Raise the inotify limits: `sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512`.';
  }
  if (/privileged|operation not permitted/i.test(text)) {
    return 'kind node containers must run with --privileged; this Docker (rootless, a restricted runtime, or a container without CAP_SYS_ADMIN) does not allow it. Use a VM or a host where `docker run --privileged` works.';
  }
  return undefined;
}

export { CGROUP_FIX };
