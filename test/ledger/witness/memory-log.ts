/**
 * A small real log for witness tests: entries held in memory, RFC 9162 roots and consistency proofs from the
 * ledger's own Merkle code, checkpoints signed with an Ed25519 note key. `fork` makes a log under the same
 * key (an insider with the key) that shares a prefix and then diverges.
 */
import { signCheckpoint } from '../../../src/ledger/checkpoint.ts';
import { createMemoryHashReader } from '../../../src/ledger/hash-reader.ts';
import { leafHash, rootOfLeafHashes } from '../../../src/ledger/merkle-hash.ts';
import { consistencyProof } from '../../../src/ledger/merkle-proofs.ts';
import { generateNoteKeys, type NoteSigner, parseSignerKey } from '../../../src/ledger/note-keys.ts';

export interface MemoryLog {
  readonly origin: string;
  readonly vkey: string;
  readonly signerKey: string;
  size(): number;
  append(...entries: string[]): MemoryLog;
  rootHash(size?: number): Buffer;
  /** The log-signed checkpoint of the first `size` entries (default all). */
  checkpoint(size?: number): string;
  proof(from: number, to: number): Promise<Buffer[]>;
  /** A log with the same key and the first `at` entries, then `entries`. */
  fork(at: number, ...entries: string[]): MemoryLog;
}

export function createMemoryLog(origin: string, keys = generateNoteKeys(origin)): MemoryLog {
  const signer = parseSignerKey(keys.signerKey) as NoteSigner;
  const leaves: Buffer[] = [];
  const log: MemoryLog = {
    origin,
    vkey: keys.verifierKey,
    signerKey: keys.signerKey,
    size: () => leaves.length,
    append(...entries) {
      leaves.push(...entries.map((entry) => leafHash(Buffer.from(entry, 'utf8'))));
      return log;
    },
    rootHash: (size = leaves.length) => rootOfLeafHashes(leaves.slice(0, size)),
    checkpoint: (size = leaves.length) =>
      signCheckpoint({ origin, size, rootHash: log.rootHash(size), extensions: [] }, [signer]),
    proof: (from, to) => consistencyProof(from, to, createMemoryHashReader(leaves.slice(0, to))),
    fork(at, ...entries) {
      const forked = createMemoryLog(origin, keys);
      forked.append(...Array.from({ length: at }, (_, i) => `entry ${i}`));
      return forked.append(...entries);
    },
  };
  return log;
}

/** Entries `entry <from>` … `entry <to - 1>`, the honest log's contents. */
export function entries(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `entry ${from + i}`);
}
