/**
 * Every built-in check and answer probe kindlab ships. The lab loader
 * validates `use=` names and parameters against this; the check runner runs them.
 */
import { BuiltinRegistry } from './builtin.js';
import { k8sObjectExists } from './kube/k8s-object-exists.js';
import { podNode } from './kube/pod-node.js';
import { podPhase } from './kube/pod-phase.js';

export function createBuiltinRegistry(): BuiltinRegistry {
  return new BuiltinRegistry().addCheck(k8sObjectExists).addCheck(podPhase).addCheck(podNode);
}
