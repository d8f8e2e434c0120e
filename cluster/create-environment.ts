/**
 * Picks the Environment implementation for a lab's spec. Constructing one
 * starts nothing: provisioning, and any failure of a missing tool (Docker,
 * kind), happens in provision() and comes back as a value naming the stage.
 * destroy() works on an environment that was never provisioned in this
 * process (e.g. a session restored after a restart): it removes by name/label.
 */
import type { EnvironmentSpec } from '../common/lab.js';
import type { Environment, EnvironmentInit } from './environment.js';
import { LocalEnvironment } from './local/local-environment.js';
import { ContainersEnvironment } from './containers/containers-environment.js';
import { KindEnvironment } from './kind/kind-environment.js';

export function createEnvironment(spec: EnvironmentSpec, init: EnvironmentInit): Environment {
  switch (spec.type) {
    case 'local':
      return new LocalEnvironment(spec, init);
    case 'containers':
      return new ContainersEnvironment(spec, init);
    case 'kind':
      return new KindEnvironment(spec, init);
  }
}
