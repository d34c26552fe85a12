/**
 * The vault's wire shapes: a customer as clients send it, and the masked view they get back. The routes that
 * use them are the access module's: staff reach customers only through its decisions.
 */
import { Type } from '@sinclair/typebox';
import { fieldNames, searchableFields } from './customer-fields.ts';

const FieldValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]);
const fieldProperties = Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(FieldValue)]));

export const CustomerBody = Type.Object(
  {
    ...fieldProperties,
    attributes: Type.Optional(
      Type.Union([
        Type.Record(Type.String(), Type.String({ maxLength: 500 }), { maxProperties: 32 }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false, $id: 'CustomerInput' },
);

const stringMap = Type.Record(Type.String(), Type.String());

export const MaskedCustomerSchema = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer(),
    fields: Type.Object(Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(Type.String())]))),
    attributes: stringMap,
    classes: Type.Object(Object.fromEntries(fieldNames.map((f) => [f, Type.Optional(Type.String())]))),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'MaskedCustomer' },
);

export const SearchBody = Type.Object(
  {
    by: Type.Union(searchableFields.map((f) => Type.Literal(f))),
    value: Type.String({ minLength: 1, maxLength: 320 }),
    /** The customer's one-time presence code: required to search by national ID (the customer is there). */
    presenceCode: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
);
