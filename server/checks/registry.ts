/**
 * Every built-in check and answer probe kindlab ships. The lab loader
 * validates `use=` names and parameters against this; the check runner runs them.
 */
import { BuiltinRegistry } from './builtin.js';
import { commandOutput } from './files/command-output.js';
import { fileExists } from './files/file-exists.js';
import { fileMatches } from './files/file-matches.js';
import { containerPresent } from './kube/container-present.js';
import { dockerContainerIdProbe, dockerPidProbe } from './kube/docker-probes.js';
import { hostsFileEntry } from './kube/hosts-file-entry.js';
import { k8sObjectExists } from './kube/k8s-object-exists.js';
import { podNode } from './kube/pod-node.js';
import { podPhase } from './kube/pod-phase.js';
import { containerIdProbe, pausePidProbe, podIpProbe, podNetnsProbe, podNodeProbe, podUidProbe, sandboxIdProbe } from './kube/pod-probes.js';
import { resolvConfDns } from './kube/resolv-conf-dns.js';
import { sandboxPresent } from './kube/sandbox-present.js';
import { serviceaccountVolume } from './kube/serviceaccount-volume.js';
import { sharedNetns } from './kube/shared-netns.js';

export function createBuiltinRegistry(): BuiltinRegistry {
  const registry = new BuiltinRegistry();
  for (const check of [k8sObjectExists, podPhase, podNode, sandboxPresent, containerPresent, sharedNetns, resolvConfDns, hostsFileEntry, serviceaccountVolume, fileExists, fileMatches, commandOutput]) {
    registry.addCheck(check);
  }
  for (const probe of [podUidProbe, podIpProbe, podNodeProbe, sandboxIdProbe, containerIdProbe, pausePidProbe, podNetnsProbe, dockerContainerIdProbe, dockerPidProbe]) {
    registry.addProbe(probe);
  }
  return registry;
}
