/**
 * Snapshots of a 100 MB live database: taking one (VACUUM INTO by the app's db process) and
 * restoring one (the state before is snapshotted first, then the file is swapped), each beside a
 * plain `fs.copyFile` of the same file; and a deploy that migrates that database beside one that
 * does not (the first includes the snapshot taken before the migration).
 */
import { copyFile, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../src/tools/index.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report, sample } from './stats.ts';

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

export async function benchSnapshots(
  server: Awaited<ReturnType<typeof startTestServer>>,
  runs: number,
  targetMiB = Number(process.env.BENCH_SNAPSHOT_MIB ?? 100),
): Promise<void> {
  const { platform } = server;
  const id = 'bench-snapshots';
  // Every figure copies the whole file: a few runs each (BENCH_RUNS still caps them).
  const few = Math.min(runs, 5);
  process.stdout.write(`\n# Snapshots of a ${targetMiB} MiB live database (${few} runs each), beside fs.copyFile of the same file\n`);
  await platform.tenants.create(id);
  const tool = (name: string, args: unknown) => runTool(platform, id, name, args);
  await tool('updateDatabaseSchema', { sql: 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)' });
  let release = 0;
  const makeRelease = async (): Promise<string> => {
    const version = `1.0.${release++}`;
    const res = await fetch(`${server.url}/api/tenants/${id}/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    });
    if (res.status !== 201) throw new Error(`release ${version}: ${res.status} ${await res.text()}`);
    return version;
  };
  const deployRelease = async (version: string): Promise<void> => {
    const res = await fetch(`${server.url}/api/tenants/${id}/releases/${version}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    if (res.status !== 200) throw new Error(`deploy ${version}: ${res.status} ${await res.text()}`);
  };
  await deployRelease(await makeRelease());

  // Fill the live database through its db process, 10 MiB of incompressible rows per statement.
  const live = platform.dbPool.get(id, 'live');
  const file = platform.dbPool.location(id, 'live').file;
  for (let filled = 0; filled < targetMiB; filled += 10) {
    await live.execute(
      'INSERT INTO blobs (data) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 640) SELECT randomblob(16384) FROM n',
    );
  }
  // The file as a copy would find it: everything checkpointed into it.
  await platform.dbPool.close(id);
  const liveBytes = (await stat(file)).size;
  const copyTarget = path.join(path.dirname(file), '..', 'bench-copy.sqlite');

  let last = '';
  const taken = await sample(few, async () => (last = (await platform.snapshots.take(id, 'bench', 'bench')).id), 1);
  const copied = await sample(few, () => copyFile(file, copyTarget), 1);
  // A snapshot is synced to disk before it is listed (it must survive a power cut): the fair baseline syncs too.
  const copiedSynced = await sample(
    few,
    async () => {
      await copyFile(file, copyTarget);
      const handle = await open(copyTarget, 'r');
      await handle.sync();
      await handle.close();
    },
    1,
  );
  report(`snapshot (${mib(liveBytes)})`, taken, 'fs.copyFile of the file', copied);
  report(`snapshot (${mib(liveBytes)})`, taken, 'fs.copyFile + fsync', copiedSynced);
  const snapshotBytes = (await stat(platform.snapshots.fileOf(id, last))).size;
  process.stdout.write(
    `${'snapshot size'.padEnd(34)} ${mib(snapshotBytes).padStart(11)}          |  ${'the live file'.padEnd(30)} ${mib(liveBytes).padStart(11)}   ratio ${(snapshotBytes / liveBytes).toFixed(2)}x\n`,
  );

  // Each restore snapshots the data before it, then swaps the file whole.
  const restored = await sample(
    few,
    async () => {
      const { before } = await platform.deployer.exclusive(id, () => platform.snapshots.restore(id, last, 'bench'));
      last = before.id;
    },
    1,
  );
  report('restore (+ the snapshot before)', restored, 'fs.copyFile + fsync', copiedSynced);
  await rm(copyTarget, { force: true });

  // Deploys: one with a migration (snapshot + ALTER TABLE on live) vs one without.
  let column = 0;
  const migrated: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < few + 1; i++) {
    await tool('updateDatabaseSchema', { sql: `ALTER TABLE blobs ADD COLUMN c${column++} INTEGER` });
    const withMigration = await makeRelease();
    let start = performance.now();
    await deployRelease(withMigration);
    if (i > 0) migrated.push(performance.now() - start);
    const without = await makeRelease();
    start = performance.now();
    await deployRelease(without);
    if (i > 0) plain.push(performance.now() - start);
  }
  report('deploy with a migration', migrated, 'deploy without one', plain);
  await platform.deleteTenant(id);
}
