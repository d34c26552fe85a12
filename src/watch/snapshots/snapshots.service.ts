/**
 * Periodic snapshots of the watcher's state, so a restart replays only the ledger written since the last one
 * instead of four weeks of it. The ledger stays the source of truth: each snapshot's SHA-256 and the ledger
 * size it covers are written to the ledger (`watch.snapshot`), and at start a snapshot is used only if its
 * bytes match that entry — a snapshot lowered in the database to hide a harvester is ignored (and said so in
 * the log), and the watcher replays the whole window from the ledger as if there were none.
 *
 * Consistency: the state is exported, with the ledger's size, in one synchronous step at the start of a
 * macrotask; every entry committed before it has had its bus event delivered by then (access publishes right
 * after the commit resolves, and the bus delivers on a microtask), so the state covers exactly the entries
 * below the size it names.
 */
import { createHash } from 'node:crypto';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef, systemActor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Watcher } from '../watcher.service.ts';
import type { SnapshotStore } from './snapshots.store.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function createSnapshots(deps: {
  store: SnapshotStore;
  ledger: Pick<Ledger, 'append' | 'replay' | 'size'>;
  watcher: Pick<Watcher, 'exportState' | 'importState'>;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
}) {
  const { store, ledger, watcher, clock } = deps;
  return {
    /** Snapshot the state now; returns the ledger size it covers. */
    async take(): Promise<number> {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const ledgerSize = ledger.size();
      const state = watcher.exportState();
      const at = clock.now();
      const id = uuidv7(at);
      await ledger.append({
        type: 'watch.snapshot',
        actor: actorRef(systemActor),
        data: { snapshotId: id, ledgerSize, sha256: sha256(state) },
      });
      await store.replace({ id, at, ledgerSize, state });
      return ledgerSize;
    },

    /**
     * Restore the latest snapshot if it is younger than `maxAgeMs` and matches its ledger entry; the ledger
     * index to replay from (0: no usable snapshot, replay everything in the window).
     */
    async restore(maxAgeMs: number): Promise<number> {
      const snapshot = await store.latest();
      if (!snapshot || clock.now() - snapshot.at > maxAgeMs) return 0;
      for await (const entry of ledger.replay(['watch.snapshot'], snapshot.at)) {
        if (entry.data.snapshotId !== snapshot.id) continue;
        if (
          entry.data.sha256 === sha256(snapshot.state) &&
          entry.data.ledgerSize === snapshot.ledgerSize &&
          watcher.importState(snapshot.state)
        )
          return snapshot.ledgerSize;
        break;
      }
      deps.logger.warn(
        { snapshotId: snapshot.id },
        'watcher: the snapshot does not match its ledger entry; replaying the ledger instead',
      );
      return 0;
    },
  };
}

export type Snapshots = ReturnType<typeof createSnapshots>;
