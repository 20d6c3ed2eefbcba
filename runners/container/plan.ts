/** What the container runner hands its PoP host process (kit/launch.ts writes it as JSON beside the host's log). */
import type { LaunchPlan } from '../../lab/pop/contract.js';
import type { TenantImage } from './host/factory.js';
import type { ContainerOptions } from './options.js';

/** The launch plan (its options with the scenario's artifact-miss rate and seed folded in) and each workload's image. */
export interface ContainerHostPlan {
  plan: LaunchPlan<ContainerOptions>;
  /** Image per workload name. */
  images: Record<string, TenantImage>;
}
