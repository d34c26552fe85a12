/**
 * A customer's device checking their access history, written apart from the server's code (no import from
 * src/): from the C2SP signed-note, tlog-checkpoint and RFC 9162 texts and the construction in docs/LEDGER.md
 * ("Completeness"). It opens the checkpoint with the log's public key, holds every item's header against its
 * payload and its inclusion proof, checks the subject map's proof for the customer, and walks the chain of
 * `prev` links from the newest entry the map names down to the first: every link must be in the answer and
 * every item in the answer on the chain.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** JSON with sorted keys and no white space (integers only in ledger payloads). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** C2SP signed note: the text, then a blank line, then `— name base64(keyhash ‖ signature)` lines. */
function openNote(note: string, vkey: string): string {
  // name+hash+key, the key in standard base64 (which may itself hold a '+').
  const [, name = '', hashHex = '', keyB64 = ''] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey) ?? [];
  const key = Buffer.from(keyB64, 'base64');
  if (key[0] !== 0x01) throw new Error('not an Ed25519 vkey');
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^— (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = Buffer.from(m[2] as string, 'base64');
    if (sig.subarray(0, 4).toString('hex') !== hashHex) continue;
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]),
      format: 'der',
      type: 'spki',
    });
    if (verifySignature(null, Buffer.from(text), publicKey, sig.subarray(4))) return text;
  }
  throw new Error('the checkpoint is not signed by the log');
}

/** RFC 9162 §2.1.3.2: the root an audit path leads to. */
function rootFromInclusion(index: number, size: number, leaf: Buffer, path: Buffer[]): Buffer {
  if (index >= size) throw new Error('index beyond the tree');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) throw new Error('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Uint8Array.of(1), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else r = sha256(Uint8Array.of(1), r, p);
    fn >>= 1;
    sn >>= 1;
  }
  if (sn !== 0) throw new Error('proof too short');
  return r;
}

const bit = (key: Buffer, depth: number) => ((key[depth >> 3] as number) >> (7 - (depth & 7))) & 1;
const mapLeaf = (key: Buffer, value: number) => {
  const v = Buffer.alloc(8);
  v.writeBigUInt64BE(BigInt(value));
  return sha256(Uint8Array.of(0x10), key, v);
};

export interface ProvenItem {
  index: number;
  proof: { header: string | null; data: unknown; inclusionProof: string[] };
}

export interface HistoryAnswer<I extends ProvenItem = ProvenItem> {
  customerId: string;
  items: I[];
  checkpoint: { note: string; size: number; origin: string; vkey: string };
  mapProof: { siblings: string[]; end: { kind: string; value?: number; key?: string } };
  /** Where the next (older) page starts, or null at the first entry. */
  next: number | null;
}

/**
 * Throws, saying why, unless `answer` is the complete, proven history of `customerId` under `vkey` (the log's
 * published key, which the device knows beforehand) — the first page, or the page asked for `from` the
 * previous page's `next`. Returns the checked items' indexes, newest first.
 */
export function checkHistory(
  answer: HistoryAnswer,
  customerId: string,
  vkey: string,
  from?: number,
): number[] {
  const text = openNote(answer.checkpoint.note, vkey);
  const [, sizeLine, rootLine, ...extensions] = text.slice(0, -1).split('\n') as string[];
  const size = Number(sizeLine);
  const root = Buffer.from(rootLine as string, 'base64');
  const mapLine = extensions.find((l) => l.startsWith('subject-map/v1 '));
  if (!mapLine) throw new Error('the checkpoint commits to no subject map');
  const mapRoot = Buffer.from(mapLine.slice('subject-map/v1 '.length), 'base64');

  // The map: the newest entry about this customer.
  const key = sha256(Buffer.from(customerId, 'utf8'));
  const { siblings, end } = answer.mapProof;
  if (end.kind !== 'present' || typeof end.value !== 'number')
    throw new Error('the map says there is nothing about this customer');
  let h = mapLeaf(key, end.value);
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const s = Buffer.from(siblings[depth] as string, 'base64');
    h = bit(key, depth) === 1 ? sha256(Uint8Array.of(0x11), s, h) : sha256(Uint8Array.of(0x11), h, s);
  }
  if (!h.equals(mapRoot)) throw new Error('the map proof does not lead to the checkpoint');

  // Each item: its header names this customer and its payload, and is in the tree.
  const headers = new Map<number, Record<string, unknown>>();
  for (const item of answer.items) {
    if (item.proof.header === null) throw new Error(`item ${item.index} has no header to check`);
    const bytes = Buffer.from(item.proof.header, 'base64');
    const header = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    if (header.subject !== customerId) throw new Error(`item ${item.index} is about someone else`);
    if (item.proof.data !== null) {
      const payload = sha256(Buffer.from(canonical(item.proof.data), 'utf8')).toString('base64');
      if (payload !== header.payload)
        throw new Error(`item ${item.index}: its details are not what was logged`);
    }
    const leaf = sha256(Uint8Array.of(0), bytes);
    const path = item.proof.inclusionProof.map((p) => Buffer.from(p, 'base64'));
    if (!rootFromInclusion(item.index, size, leaf, path).equals(root))
      throw new Error(`item ${item.index} is not in the log`);
    headers.set(item.index, header);
  }

  // The chain: from the newest (or the page's first) down, every link present, nothing extra; the link
  // past the page's last item is where the next page starts.
  const walked: number[] = [];
  let at: number | undefined = from ?? end.value;
  while (at !== undefined && walked.length < answer.items.length) {
    const header = headers.get(at);
    if (!header) throw new Error(`entry ${at} about this customer is missing from the history`);
    walked.push(at);
    at = typeof header.prev === 'number' ? header.prev : undefined;
    if (at !== undefined && at >= (walked.at(-1) as number)) throw new Error('the chain does not go back');
  }
  if (at !== undefined && at !== answer.next)
    throw new Error(`entry ${at} about this customer is missing from the history`);
  if (at === undefined && answer.next !== null) throw new Error('the history goes on past its first entry');
  if (walked.length !== answer.items.length) throw new Error('the history holds items off the chain');
  return walked;
}
