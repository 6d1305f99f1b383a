/**
 * The supervision vocabulary and actor-kind definitions live in `@shn/core` (the composition
 * seam); this module re-exports them for the host's own imports.
 */
export type { RestartPolicy, SupervisionStrategy, RestartIntensity, ActorKindDefinition, ResolvedActorKind } from '@shn/core';
export { DEFAULT_RESTART_INTENSITY, DEFAULT_MAILBOX_CAPACITY, resolveActorKind } from '@shn/core';
