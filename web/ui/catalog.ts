/** The kit's catalog lives in wire/catalog.ts, shared by the platform (schema, prompt) and web/. */
export * from '../../wire/catalog.ts';
