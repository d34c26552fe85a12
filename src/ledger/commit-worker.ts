/**
 * The main thread's side of the commit worker (commit-thread.ts): hands it each batch and resolves once the
 * batch is committed and fsynced, so a group commit costs the event loop a message each way, not the
 * sealing, the insert or the fsync.
 *
 * Invariant: a batch resolves only on the thread's word that it is durable. A thread that dies (crash,
 * terminate) rejects what it had in hand, and the next batch starts a new one; the sequencer rejects the
 * batch's callers (LEDGER_UNAVAILABLE) and keeps its last committed tree. The thread does not keep the
 * process alive while idle, and holds it while a batch is in flight.
 */
import { Worker } from 'node:worker_threads';
import type { BatchRequest, ChainedInput } from './batch-seal.ts';
import type { TreeState } from './tree-state.ts';
import { type PackedTreeState, packTreeState, unpackTreeState } from './tree-wire.ts';

/** What the main thread asks of the commit thread. */
export type CommitRequest =
  | {
      kind: 'commit';
      id: number;
      at: number;
      inputs: readonly ChainedInput[];
      /** The state to build on; absent: the state this thread last committed. */
      base?: PackedTreeState;
    }
  | { kind: 'close' };

export type CommitResponse =
  { id: number; ok: true; next: PackedTreeState | null } | { id: number; ok: false; message: string };

interface Pending {
  resolve: (next: TreeState | undefined) => void;
  reject: (error: Error) => void;
}

export interface CommitWorker {
  /** Seal and write a batch durably; the tree after it, or undefined when the log had moved (nothing written). */
  commit(request: BatchRequest): Promise<TreeState | undefined>;
  /** End the thread now, as a crash would: a batch in flight is rejected; the next commit starts a new thread. */
  terminate(): Promise<void>;
  /** Close the thread's connection and end it (the batches in flight are answered first). */
  close(): Promise<void>;
}

/** A commit worker writing to the SQLite database at `path` (a file: the thread opens its own connection). */
export function createCommitWorker(path: string): CommitWorker {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let worker: Worker | undefined;
  /** The state the thread last committed (it keeps it): a batch built on it is sent without it. */
  let held: TreeState | undefined;

  function failAll(error: Error): void {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  }

  function start(): Worker {
    const thread = new Worker(new URL('../platform/worker-entry.mjs', import.meta.url), {
      execArgv: [],
      workerData: { module: new URL('./commit-thread.ts', import.meta.url).href, path },
    });
    thread.unref();
    thread.on('message', (response: CommitResponse) => {
      const waiter = pending.get(response.id);
      pending.delete(response.id);
      if (pending.size === 0) thread.unref();
      if (response.ok) {
        held = response.next ? unpackTreeState(response.next) : undefined;
        waiter?.resolve(held);
      } else {
        held = undefined;
        waiter?.reject(new Error(`ledger commit failed: ${response.message}`));
      }
    });
    const stopped = (error: Error) => {
      if (worker !== thread) return;
      worker = undefined;
      held = undefined;
      failAll(error);
    };
    thread.on('error', stopped);
    thread.on('exit', (code) => stopped(new Error(`ledger commit worker exited (${code})`)));
    return thread;
  }

  return {
    commit(request) {
      const thread = (worker ??= start());
      const id = nextId++;
      const message: CommitRequest = {
        kind: 'commit',
        id,
        at: request.at,
        inputs: request.inputs,
        ...(request.base === held ? {} : { base: packTreeState(request.base) }),
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage(message);
      });
    },

    async terminate() {
      const thread = worker;
      if (thread) await thread.terminate();
    },

    async close() {
      const thread = worker;
      if (!thread) return;
      const exited = new Promise((r) => thread.once('exit', r));
      thread.ref();
      thread.postMessage({ kind: 'close' } satisfies CommitRequest);
      await exited;
    },
  };
}
