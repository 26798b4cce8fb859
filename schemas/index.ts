import sourceNat from './source-nat.schema.json' with { type: 'json' };

/** JSON Schemas by file name; kinds refer to them through KindDefinition.schemaFile. */
export const schemas: Readonly<Record<string, object>> = {
  'source-nat.schema.json': sourceNat,
};
