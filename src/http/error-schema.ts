/**
 * The shape of every error answer, `{ error: { code, message, requestId, details? } }`, as one JSON schema
 * (`Error`, a component of the OpenAPI document). `error-handler.ts` builds these bodies; routes answer them
 * under this schema, so it must describe every property the handler sends (a property it left out would be
 * dropped by the response serialiser) and nothing else can ride along.
 */
import { Type } from '@sinclair/typebox';
import { errorCatalogue } from '../platform/errors.ts';

/** Where a problem with the input is, and what it is (never the value itself). */
const FieldProblemSchema = Type.Object(
  {
    path: Type.String({ description: 'A field name, a JSON path or a line number' }),
    problem: Type.String({ description: 'What is wrong, in words that name no personal value' }),
  },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({
          enum: Object.keys(errorCatalogue),
          description: 'Stable, machine-readable; 5xx other than a named unavailable dependency are INTERNAL',
        }),
        message: Type.String({ description: 'For people; never a secret, a one-time code or personal data' }),
        requestId: Type.String({ description: 'Quote it when reporting a problem: it finds the log lines' }),
        details: Type.Optional(Type.Array(FieldProblemSchema, { description: 'Which inputs are at fault' })),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'Error', additionalProperties: false, description: 'An error answer' },
);
