/**
 * The customer record's fields: how each is normalised, masked, classified and indexed. Adding a field
 * means adding it here, a sealed column in a migration, and nothing else in the vault.
 */
import type { BlindIndexKind } from '../crypto/blind-index.ts';
import {
  normaliseAccountId,
  normaliseBirthDate,
  normaliseEmail,
  normaliseName,
  normaliseNationalId,
  normalisePhone,
  normaliseText,
} from '../crypto/normalise.ts';
import {
  maskAccountId,
  maskAddress,
  maskBirthDate,
  maskEmail,
  maskName,
  maskNationalId,
  maskPhone,
} from './masking.ts';

/**
 * Sensitivity classes, from least to most protected. `sensitive` is PIPL art. 28's "sensitive personal
 * information" (identity numbers here); policies (Step 4) decide per purpose which classes may be revealed.
 */
export const sensitivityClasses = ['basic', 'contact', 'identifier', 'sensitive'] as const;
export type SensitivityClass = (typeof sensitivityClasses)[number];

export interface FieldSpec {
  sensitivity: SensitivityClass;
  normalise(raw: string): string | null;
  mask(value: string): string;
  /** Exact-match searchable through this blind index. */
  index?: BlindIndexKind;
  /** What a valid value looks like, for error messages (never the value itself). */
  expected: string;
}

export const fieldSpecs = {
  name: { sensitivity: 'basic', normalise: normaliseName, mask: maskName, expected: '1–200 characters' },
  phone: {
    sensitivity: 'contact',
    normalise: normalisePhone,
    mask: maskPhone,
    index: 'phone',
    expected: 'an E.164 number or an 11-digit Chinese mobile',
  },
  email: {
    sensitivity: 'contact',
    normalise: normaliseEmail,
    mask: maskEmail,
    index: 'email',
    expected: 'an email address',
  },
  account_id: {
    sensitivity: 'identifier',
    normalise: normaliseAccountId,
    mask: maskAccountId,
    index: 'account_id',
    expected: '3–64 letters, digits, - or _',
  },
  national_id: {
    sensitivity: 'sensitive',
    normalise: normaliseNationalId,
    mask: maskNationalId,
    index: 'national_id',
    expected: 'an 18-character PRC ID with a valid check character, or 5–32 letters and digits',
  },
  address: {
    sensitivity: 'contact',
    normalise: (raw) => normaliseText(raw),
    mask: maskAddress,
    expected: '1–500 characters',
  },
  birth_date: {
    sensitivity: 'basic',
    normalise: (raw) => normaliseBirthDate(raw),
    mask: maskBirthDate,
    expected: 'a past date YYYY-MM-DD',
  },
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof fieldSpecs;
export const fieldNames = Object.keys(fieldSpecs) as FieldName[];
export type SearchableField = {
  [K in FieldName]: (typeof fieldSpecs)[K] extends { index: string } ? K : never;
}[FieldName];
export const searchableFields = fieldNames.filter((f) => 'index' in fieldSpecs[f]) as SearchableField[];

/** Free-form attributes: a flat map of short keys to strings, sealed together as one `basic` field. */
export const ATTRIBUTES_FIELD = 'attributes';
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_LENGTH = 500;
