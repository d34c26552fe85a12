/**
 * A sealing worker thread: receives chunks of import records, answers with prepared (sealed) rows. It holds
 * the blind-index root (given by the main thread of the same process) but never the master key.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBlindIndexer } from '../../crypto/blind-index.ts';
import { type ImportRecord, prepareChunk } from './prepare.ts';

export interface SealingRequest {
  id: number;
  now: number;
  records: ImportRecord[];
}

export type SealingResponse =
  | { id: number; ok: true; chunk: ReturnType<typeof prepareChunk> }
  | { id: number; ok: false; message: string };

const root = Buffer.from(workerData.blindIndexRoot as Uint8Array);
const blindIndex = createBlindIndexer(root);
root.fill(0);

parentPort?.on('message', (request: SealingRequest) => {
  let response: SealingResponse;
  try {
    response = { id: request.id, ok: true, chunk: prepareChunk(request.records, request.now, blindIndex) };
  } catch (error) {
    response = { id: request.id, ok: false, message: (error as Error).message };
  }
  parentPort?.postMessage(response);
});
