/**
 * How bearer secrets (API tokens, session tokens, invitation tokens, CSRF tokens) are stored: SHA-256 of the
 * token. They carry 256 random bits, so a fast unsalted hash is safe — nothing can be guessed offline — and
 * lookup by hash means the secret itself is never compared byte by byte.
 */
import { createHash } from 'node:crypto';

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
