/**
 * zod schemas for the names a lab author passes to Kubernetes-aware built-ins.
 * They are checked at load time so `kindlab validate` reports a bad name with
 * file:line; the scripts still receive them only through env vars.
 */
import { z } from 'zod';

/** RFC 1123 subdomain: what Kubernetes accepts for most object names (pods, configmaps…). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label: namespaces and container names. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes caps subdomain names at 253 characters and labels at 63. */
const MAX_SUBDOMAIN = 253;
const MAX_LABEL = 63;

export const objectName = z
  .string()
  .max(MAX_SUBDOMAIN)
  .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 name: lower-case letters, digits, "-" and "."');

export const labelName = z
  .string()
  .max(MAX_LABEL)
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-"');

export const namespaceName = labelName;

/** A resource kind as kubectl accepts it: `pod`, `configmap`, `deployment.apps`, `svc`. */
export const resourceKind = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[a-z0-9.-]+)?$/, 'must be a resource kind such as pod, configmap or deployment.apps');

/** A kind node name as Kubernetes reports it (`kind-worker2`). */
export const nodeName = objectName;
