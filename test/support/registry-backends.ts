import { openRegistry, type Registry } from '../../src/registry/index.ts';
import { createScratchDatabase, startPgbouncer } from './postgres.ts';

/** The registry's two backends, for suites that run on both: embedded PGlite, and PostgreSQL through pgbouncer (transaction mode). */
export const REGISTRY_BACKENDS: Array<[string, () => Promise<{ registry: Registry; cleanup(): Promise<void> }>]> = [
  [
    'pglite',
    async () => {
      const registry = await openRegistry({});
      return { registry, cleanup: () => registry.close() };
    },
  ],
  [
    'postgres via pgbouncer',
    async () => {
      const database = await createScratchDatabase();
      const bouncer = await startPgbouncer(database.name);
      const registry = await openRegistry({ databaseUrl: bouncer.url });
      return {
        registry,
        async cleanup() {
          await registry.close();
          await bouncer.close();
          await database.drop();
        },
      };
    },
  ],
];
