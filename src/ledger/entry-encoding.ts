/**
 * Canonical entry bytes: JSON with object keys sorted (recursively), no insignificant white space, integers
 * only, UTF-8. The same entry always gives the same bytes, so the leaf hash — SHA-256(0x00 ‖ bytes) — can be
 * recomputed by anyone from what is stored, and any change to a stored entry changes its hash.
 */
import type { LedgerEntry } from './entry-types.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonical(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError('ledger entries hold integers only');
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new TypeError(`ledger entries cannot hold ${typeof value}`);
}

/** The canonical JSON text of `value` (sorted keys, integers only); throws TypeError on anything else. */
export function canonicalJson(value: unknown): string {
  return canonical(value);
}

/**
 * The canonical bytes of an entry. `dataJson`, when given, is `canonicalJson(entry.data)` already computed
 * (sealing hashes it too), so the payload is not encoded twice.
 */
export function encodeEntry(entry: LedgerEntry, dataJson?: string): Buffer {
  if (dataJson === undefined) return Buffer.from(canonical(entry), 'utf8');
  const fields = entry as unknown as Record<string, unknown>;
  const keys = Object.keys(fields)
    .filter((k) => fields[k] !== undefined)
    .sort();
  const members = keys.map((k) => `${JSON.stringify(k)}:${k === 'data' ? dataJson : canonical(fields[k])}`);
  return Buffer.from(`{${members.join(',')}}`, 'utf8');
}

export function decodeEntry(bytes: Buffer): LedgerEntry {
  return JSON.parse(bytes.toString('utf8')) as LedgerEntry;
}

/** True when `bytes` are the canonical encoding of what they decode to (no other spelling is accepted). */
export function isCanonical(bytes: Buffer): boolean {
  try {
    return canonical(JSON.parse(bytes.toString('utf8')) as Json) === bytes.toString('utf8');
  } catch {
    return false;
  }
}
