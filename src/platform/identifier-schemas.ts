/**
 * What identifiers look like at the edge: JSON schemas every route plugin uses for its path parameters and
 * for the ids in its bodies. Every id Custos makes is a UUIDv7 (`ids.ts`); a passkey's credential ID is the
 * base64url the browser reports; a purpose or a quota is a word of a fixed vocabulary. A route's schema is
 * checked before its handler, so a malformed identifier is a 400 VALIDATION_FAILED and never a query — and
 * none of these patterns admits a control character (`http/input-guard.ts` refuses those everywhere).
 */
import { Type } from '@sinclair/typebox';

/** A UUID, lower-case hexadecimal, as `uuidv7()` writes it. */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** @example const CaseParams = Type.Object({ caseId: IdSchema('The case') }); */
export function IdSchema(description = 'A UUID') {
  return Type.String({ pattern: UUID_PATTERN, minLength: 36, maxLength: 36, description });
}

/** A WebAuthn credential ID in base64url (no padding), at most 1,024 characters. */
export const CredentialIdSchema = Type.String({
  pattern: '^[A-Za-z0-9_-]+$',
  minLength: 1,
  maxLength: 1024,
  description: 'The credential ID, base64url as the browser reports it',
});

/** A word of a fixed vocabulary (a purpose, a quota): lower-case letters, digits and `_`. */
export function VocabularySchema(description: string, maxLength = 32) {
  return Type.String({ pattern: '^[a-z][a-z0-9_]*$', minLength: 1, maxLength, description });
}
