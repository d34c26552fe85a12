/**
 * What a request to see real values names: the fields (each with the sensitivity class the policy decides
 * on) and the reason staff give. Shared by reveals, reveal approvals and record exports, so all three accept
 * and refuse the same input.
 */
import { validationFailed } from '../../platform/errors.ts';
import {
  ATTRIBUTES_FIELD,
  type FieldName,
  fieldNames,
  fieldSpecs,
  type SensitivityClass,
} from '../../vault/customer-fields.ts';

export type RevealableField = FieldName | typeof ATTRIBUTES_FIELD;
export const revealableFields: readonly RevealableField[] = [...fieldNames, ATTRIBUTES_FIELD];
const MIN_REASON = 5;
const MAX_REASON = 500;

/** The class the policy sees for a field; free-form attributes are `basic`. */
export function fieldClass(field: RevealableField): SensitivityClass {
  return field === ATTRIBUTES_FIELD ? 'basic' : fieldSpecs[field].sensitivity;
}

/** One or more known field names, without repeats; VALIDATION_FAILED otherwise. */
export function validFields(fields: unknown): RevealableField[] {
  const list = Array.isArray(fields) ? [...new Set(fields)] : [];
  const known: readonly unknown[] = revealableFields;
  if (list.length === 0 || list.some((f) => !known.includes(f))) {
    throw validationFailed([
      { path: 'fields', problem: `must list one or more of ${revealableFields.join(', ')}` },
    ]);
  }
  return list as RevealableField[];
}

/** A reason of 5–500 printable characters, trimmed; VALIDATION_FAILED otherwise. */
export function validReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text.length < MIN_REASON || text.length > MAX_REASON || /\p{Cc}/u.test(text)) {
    throw validationFailed([
      { path: 'reason', problem: `must be ${MIN_REASON}–${MAX_REASON} printable characters` },
    ]);
  }
  return text;
}
