import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, POSTGRES_ADMIN_URL } from '../../test/support/postgres.ts';
import { assertEmptyDatabase, compareRegistrySchema, openRegistry, registryMigrationHashes, restoreRegistry, type Registry } from './index.ts';

/** Every row of every table, as the dump writes them. */
async function dumpAll(registry: Registry) {
  const rows = new Map<string, string[]>();
  const summary = await registry.dumpRegistry(async (table, page) => {
    rows.set(table, [...(rows.get(table) ?? []), ...page]);
  });
  return { summary, rows };
}

describe('registry backup and restore', () => {
  let source: Registry;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const url = () => POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${scratch.name}`);

  beforeAll(async () => {
    source = await openRegistry({});
    scratch = await createScratchDatabase();
    await source.addTenant('notes');
    await source.addUser({ id: 'ann', name: 'Ann "A" O\'Neil', admin: true, email: 'ann@example.com', passwordHash: 'scrypt$x' });
    await source.putSecret('notes', 'API_KEY', 'sealed:abc');
    for (let i = 0; i < 3; i++)
      await source.appendAudit({ actor: 'ann', via: 'session', tenant: 'notes', action: 'test.run', detail: { i, nested: { list: [1, 'two', null] } } });
  }, 60_000);
  afterAll(async () => {
    await source?.close();
    await scratch?.drop();
  });

  it('round-trips every row and type into an empty PostgreSQL, and sequences continue after the restored ids', async () => {
    const before = await dumpAll(source);
    expect(before.summary.migrations).toEqual(registryMigrationHashes());
    expect(before.summary.tables.find((t) => t.name === 'audit_log')?.rows).toBe(3);
    expect(before.summary.tables.map((t) => t.name)).not.toContain('tenant_leases');
    await assertEmptyDatabase(url());
    await restoreRegistry(
      { databaseUrl: url(), dataDir: '/nonexistent' },
      {
        migrations: before.summary.migrations,
        tables: before.summary.tables.map((t) => t.name),
        async *rows(table) {
          yield before.rows.get(table) ?? [];
        },
        sequences: before.summary.sequences,
      },
    );
    const restored = await openRegistry({ databaseUrl: url() });
    try {
      const after = await dumpAll(restored);
      expect(after.summary).toEqual(before.summary);
      expect(after.rows).toEqual(before.rows);
      await restored.appendAudit({ actor: 'ann', via: 'session', action: 'after.restore' });
      const ids = (await restored.listAudit({ limit: 10 })).map((r) => r.id);
      expect(new Set(ids).size).toBe(4);
    } finally {
      await restored.close();
    }
    await expect(assertEmptyDatabase(url())).rejects.toThrow(/not empty/);
  });

  it('knows a schema newer than its own, and one that differs', () => {
    const ours = registryMigrationHashes();
    expect(compareRegistrySchema(ours)).toBe('same');
    expect(compareRegistrySchema(ours.slice(0, 2))).toBe('older');
    expect(compareRegistrySchema([...ours, 'f'.repeat(64)])).toBe('newer');
    expect(compareRegistrySchema(['0'.repeat(64), ...ours.slice(1)])).toBe('different');
  });
});
