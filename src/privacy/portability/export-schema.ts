/**
 * The portability export's shape (GDPR art. 20, PIPL art. 45(3)): one TypeBox schema that the route
 * serialises through and that is published as a JSON Schema (draft-07) at `/v1/portal/export-schema.json`
 * and committed as `schemas/portability-export.schema.json` (a test holds the two together). `customer`
 * has the keys `custos import` reads, so the export re-imports as it is.
 */
import { type Static, Type } from '@sinclair/typebox';
import { consentPurposes } from '../consents.service.ts';
import { noticeModes } from '../notices/notices.types.ts';

export const PORTABILITY_FORMAT = 'custos.portability.v1';

const Text = (maxLength: number, description: string) =>
  Type.Union([Type.String({ minLength: 1, maxLength }), Type.Null()], { description });

export const PortabilityExport = Type.Object(
  {
    format: Type.Literal(PORTABILITY_FORMAT, { description: 'This document format and its version' }),
    exportedAt: Type.String({ description: 'When the export was made (ISO 8601, UTC)' }),
    customerId: Type.String({ description: 'Your customer id at the organisation that exported this' }),
    customer: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200, description: 'Your name' }),
        phone: Text(32, 'Your phone number (E.164)'),
        email: Text(320, 'Your email address'),
        account_id: Text(64, 'Your account ID'),
        national_id: Text(32, 'Your national ID number'),
        address: Text(500, 'Your address'),
        birth_date: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()], {
          description: 'Your date of birth (YYYY-MM-DD)',
        }),
        attributes: Type.Record(
          Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
          Type.String({ maxLength: 500 }),
          {
            description: 'Other details held about you',
            maxProperties: 32,
          },
        ),
      },
      { additionalProperties: false, description: 'Your record, as `custos import` reads it' },
    ),
    consents: Type.Array(
      Type.Object(
        {
          purpose: Type.Union(consentPurposes.map((p) => Type.Literal(p))),
          granted: Type.Boolean(),
          updatedAt: Type.Union([Type.String(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { description: 'Your consent for each purpose that needs one' },
    ),
    notices: Type.Object(
      { mode: Type.Union(noticeModes.map((m) => Type.Literal(m))) },
      { additionalProperties: false, description: 'How you hear of staff viewing your data' },
    ),
  },
  { additionalProperties: false },
);
export type PortabilityDocument = Static<typeof PortabilityExport>;

/** The published JSON Schema: the TypeBox schema as plain JSON, with its identity. */
export function publishedExportSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:custos:schema:portability-export:v1',
    title: 'Custos personal data export',
    description:
      "A customer's own data as Custos exports it for portability; `custos import` reads it back (this " +
      'JSON, or the CSV export).',
    ...(JSON.parse(JSON.stringify(PortabilityExport)) as Record<string, unknown>),
  };
}
