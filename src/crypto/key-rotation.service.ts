/**
 * Master-key rotation as a service (`custos keys rotate` calls it): plan the rotation, write it in the
 * ledger, then run it (rotation.ts has the mechanics, and how an interrupted run resumes).
 *
 * Invariant: ledger ahead. `keys.rotation_started` — the versions it moves from and to, and whether it
 * resumes an interrupted rotation — is durable before the key file or any wrapping changes; if the run then
 * fails, `act.failed` points at it (run again to resume). Once it has finished, `keys.rotated` records what
 * it did, with how many data keys this run rewrapped, and the bus hears of it.
 */
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../platform/actor.ts';
import type { EventBus } from '../platform/bus.ts';
import { CustosError } from '../platform/errors.ts';
import type { RotatableKeys } from './master-keys.ts';
import {
  planRotation,
  runRotation,
  type RotationPlan,
  type RotationProgress,
  type RotationRun,
} from './rotation.ts';

export interface KeyRotationDeps {
  /** The master keys if they can be rotated (a key file); undefined for inline keys, which cannot. */
  kek: RotatableKeys | undefined;
  store: RotationRun['store'];
  ledger: Pick<Ledger, 'record' | 'append'>;
  bus: Pick<EventBus, 'publish'>;
}

export interface RotateOptions {
  /** Data keys rewrapped per transaction (default 1,000). */
  batchSize?: number;
  /** How long to wait for other processes to pick up a key-file change (default 2 s). */
  graceMs?: number;
  /** Called once the rotation is planned, before anything is recorded or changed. */
  onStart?: (plan: RotationPlan) => void;
  onProgress?: (progress: RotationProgress) => void;
}

export interface RotationResult extends RotationPlan {
  /** Data keys this run rewrapped (a resumed run counts only its own). */
  rewrapped: number;
}

export function createKeyRotation(deps: KeyRotationDeps) {
  const { ledger, bus } = deps;
  return {
    /**
     * Rotate the master key online, or resume an interrupted rotation; safe beside running servers.
     *
     * @example
     *   const { toVersion, rewrapped } = await keyRotation.rotate(systemActor, { graceMs: 2000 });
     */
    async rotate(actor: Actor, options: RotateOptions = {}): Promise<RotationResult> {
      const kek = deps.kek;
      if (!kek) {
        throw new CustosError(
          'CONFIG_INVALID',
          'Rotation rewrites the key file: unset CUSTOS_MASTER_KEY to rotate',
        );
      }
      const plan = planRotation(kek);
      options.onStart?.(plan);
      const by = actorRef(actor);
      const rewrapped = await ledger.record(
        {
          type: 'keys.rotation_started',
          actor: by,
          data: { fromVersions: plan.fromVersions, toVersion: plan.toVersion, resumed: plan.resumed },
        },
        () =>
          runRotation(plan, {
            kek,
            store: deps.store,
            batchSize: options.batchSize,
            graceMs: options.graceMs,
            onProgress: options.onProgress,
          }),
      );
      const rotated = { fromVersions: plan.fromVersions, toVersion: plan.toVersion, rewrapped };
      await ledger.append({ type: 'keys.rotated', actor: by, data: rotated });
      bus.publish('keys.rotated', rotated);
      return { ...plan, rewrapped };
    },
  };
}

export type KeyRotation = ReturnType<typeof createKeyRotation>;
