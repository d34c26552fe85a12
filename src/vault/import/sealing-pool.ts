/**
 * Where import records get sealed: in worker threads (one per spare core) for large imports, or inline.
 * Sealing is ~10 AES-GCM operations and 4 HMACs per customer; spreading it over cores lets the main thread
 * spend its time on parsing and inserting.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CustosError } from '../../platform/errors.ts';
import { type BlindIndexFn, type ImportRecord, type PreparedChunk, prepareChunk } from './prepare.ts';
import type { SealingRequest, SealingResponse } from './sealing-worker.ts';

export interface Sealer {
  /** How many chunks may usefully be in flight at once. */
  readonly parallelism: number;
  seal(records: ImportRecord[], now: number): Promise<PreparedChunk>;
  close(): Promise<void>;
}

export function inlineSealer(blindIndex: BlindIndexFn): Sealer {
  return {
    parallelism: 1,
    seal: async (records, now) => prepareChunk(records, now, blindIndex),
    close: async () => {},
  };
}

/** Default worker count: the machine's cores, at least one. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

/** Structured clone turns Buffers into plain Uint8Arrays; make them Buffers again (no copy). */
function revive(chunk: PreparedChunk): PreparedChunk {
  for (const prepared of chunk.prepared) {
    prepared.dek = asBuffer(prepared.dek);
    const row = prepared.row as unknown as Record<string, unknown>;
    for (const [column, value] of Object.entries(row)) {
      if (value instanceof Uint8Array) row[column] = asBuffer(value);
    }
  }
  return chunk;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function workerSealer(blindIndexRoot: Buffer, workers = defaultWorkerCount()): Sealer {
  const pending = new Map<number, { resolve: (c: PreparedChunk) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const pool = Array.from({ length: workers }, () => {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      execArgv: [],
      workerData: { module: new URL('./sealing-worker.ts', import.meta.url).href, blindIndexRoot },
      // Sealing allocates many short-lived buffers; a roomier young generation halves the time spent in GC.
      resourceLimits: { maxYoungGenerationSizeMb: 96 },
    });
    worker.on('message', (response: SealingResponse) => {
      const waiter = pending.get(response.id);
      pending.delete(response.id);
      if (response.ok) waiter?.resolve(revive(response.chunk));
      else waiter?.reject(new CustosError('INTERNAL', `Sealing failed: ${response.message}`));
    });
    worker.on('error', (error) => {
      failure = error;
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    return worker;
  });
  return {
    parallelism: workers,
    seal(records, now) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const worker = pool[id % pool.length] as Worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, now, records } satisfies SealingRequest);
      });
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
