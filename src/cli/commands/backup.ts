import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { CAC } from 'cac';
import { CliError, connect, plural, print, text, usage, type GlobalOptions } from '../context.ts';

type BackupOptions = GlobalOptions & { out?: unknown; withoutKey?: boolean };

const size = (bytes: number): string => (bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

export function register(cli: CAC): void {
  cli
    .command('backup', 'an online, consistent backup of the whole platform (admins): registry, apps, databases, stores, the key')
    .usage('backup --out <file> [--without-key]')
    .option('--out <file>', 'where to write the archive (a .tar.gz; must not exist yet)')
    .option('--without-key', 'leave the sealing key out (the secrets in the backup then cannot be decrypted without it)')
    .example('tessera backup --out tessera-backup.tar.gz')
    .action(async (options: BackupOptions) => {
      const out = text(options.out);
      if (!out) usage('Missing --out <file>: where to write the backup.');
      if (existsSync(out)) throw new CliError(`${out} already exists: choose a new file name (a backup never overwrites one).`);
      const { followBackup, WITHOUT_KEY_WARNING } = await import('../../backup/index.ts');
      const withoutKey = Boolean(options.withoutKey);
      if (withoutKey) process.stderr.write(`Warning: ${WITHOUT_KEY_WARNING}\n`);
      const body = await connect(options).backup({ withoutKey });

      // Written beside its final name, renamed once complete: a cut-short download never looks like a backup.
      const partial = path.join(path.dirname(out), `.${path.basename(out)}.partial`);
      const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      let complete = false;
      let summary = '';
      const say = (line: string) => {
        if (!options.json) process.stderr.write(`${line}\n`);
      };
      const progress = followBackup((event) => {
        if (event.kind === 'manifest') {
          const rows = event.manifest.registry.tables.reduce((sum, t) => sum + t.rows, 0);
          summary = `${plural(event.manifest.apps.length, 'app')}, registry ${plural(rows, 'row')} in ${plural(event.manifest.registry.tables.length, 'table')}`;
          say(`Backing up ${summary}:`);
          say('  registry: read in one snapshot');
        } else if (event.kind === 'app') say(`  app ${event.id}: repository, live and draft databases, snapshots`);
        else if (event.kind === 'stores') say('  artifacts and npm packages');
        else complete = true;
      });
      // A damaged stream shows as a missing end.json below; the parser's own complaint adds nothing.
      progress.on('error', () => {});
      const parsed = new Promise<void>((resolve) => progress.on('end', () => resolve()));
      try {
        for await (const chunk of Readable.fromWeb(body as NodeReadableStream<Uint8Array>)) {
          const buffer = chunk as Buffer;
          if (!file.write(buffer)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
          progress.write(buffer);
        }
        progress.end();
        await parsed;
        await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      } catch (err) {
        file.destroy();
        await rm(partial, { force: true });
        throw new CliError(`The backup stopped before it was complete (${(err as Error).message}); nothing was written to ${out}. The server's log says why.`);
      }
      if (!complete) {
        await rm(partial, { force: true });
        throw new CliError(`The server ended the backup before it was complete; nothing was written to ${out}. The server's log says why.`);
      }
      await rename(partial, out);
      const bytes = (await stat(out)).size;
      print(
        options,
        { file: out, bytes, withoutKey },
        `Wrote ${out} (${size(bytes)}): ${summary}${withoutKey ? ', WITHOUT the sealing key' : ', with the sealing key: keep the file as safe as the key itself'}.\nRestore it onto an empty DATA_DIR with: tessera restore-backup ${out}`,
      );
    });

  cli
    .command('restore-backup <file>', 'restore a backup onto an empty DATA_DIR (PGlite) or an empty DATABASE_URL, with the server stopped')
    .example('DATA_DIR=./data-restored tessera restore-backup tessera-backup.tar.gz')
    .action(async (file: string, options: GlobalOptions) => {
      const [{ restoreBackup, BackupRefused }, { resolveConfig }] = await Promise.all([import('../../backup/index.ts'), import('../../config.ts')]);
      const config = resolveConfig();
      if (!options.json)
        process.stderr.write(
          `Restoring ${file} into ${config.dataDir} (registry: ${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : 'PGlite in DATA_DIR/registry'}):\n`,
        );
      try {
        const report = await restoreBackup({
          file,
          dataDir: config.dataDir,
          ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
          ...(config.secretKey ? { configuredKey: config.secretKey } : {}),
          progress: (app) => {
            if (!options.json) process.stderr.write(`  app ${app}\n`);
          },
        });
        for (const warning of report.warnings) process.stderr.write(`Warning: ${warning}\n`);
        const { manifest } = report;
        print(
          options,
          { dataDir: config.dataDir, apps: manifest.apps, createdAt: manifest.createdAt, warnings: report.warnings },
          `Restored ${plural(manifest.apps.length, 'app')} (backup of ${manifest.createdAt}) into ${config.dataDir}. Start the platform on it: npm start`,
        );
      } catch (err) {
        if (err instanceof BackupRefused) throw new CliError(err.message);
        throw err;
      }
    });
}
