/**
 * The commit worker thread (SQLite): seals each batch the sequencer hands over (canonical encoding, leaf
 * hashes, tree and tiles: batch-seal.ts) and writes it on its own connection to the database file — insert,
 * tiles and the commit's fsync — so none of it runs on the server's event loop. It answers only once the
 * batch is committed and its WAL frames fsynced, or with why it was not; it keeps the last state it
 * committed, so the next batch on top of it need not carry the tree again.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openNativeSqlite } from '../platform/database/database.ts';
import { sealBatch } from './batch-seal.ts';
import type { CommitRequest, CommitResponse } from './commit-worker.ts';
import { nativeBatchWriter } from './ledger.store.ts';
import type { TreeState } from './tree-state.ts';
import { packTreeState, unpackTreeState } from './tree-wire.ts';

const path = workerData.path as string;
const native = openNativeSqlite(path);
// The commit's fsync, done here once the write lock is released: SQLite at synchronous=FULL would fsync the
// WAL while holding the lock, and the server's own writes (sessions, notices) would wait out every fsync in
// their busy handler, on the event loop. The batch is acknowledged only after this fsync; any later commit's
// fsync (FULL, on the server's connection) covers these frames too, and a checkpoint syncs the WAL before
// copying from it.
native.pragma('synchronous = NORMAL');
const write = nativeBatchWriter(native);

function syncWal(): void {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

let last: TreeState | undefined;

parentPort?.on('message', (request: CommitRequest) => {
  if (request.kind === 'close') {
    native.close();
    parentPort?.close();
    return;
  }
  let response: CommitResponse;
  try {
    const base = request.base ? unpackTreeState(request.base) : last;
    if (!base) throw new Error('no tree state to build on');
    const { batch, next } = sealBatch({ base, at: request.at, inputs: request.inputs });
    const written = write(batch);
    if (written) syncWal();
    last = written ? next : undefined;
    response = { id: request.id, ok: true, next: last ? packTreeState(last) : null };
  } catch (error) {
    last = undefined;
    response = { id: request.id, ok: false, message: (error as Error).message };
  }
  parentPort?.postMessage(response);
});
