import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_CJS_BUNDLE } from '../bundler/index.ts';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'modules');

async function bundle(entry: string, define: Record<string, unknown>): Promise<string> {
  const result = await build({
    entryPoints: [path.join(HERE, entry)],
    ...NODE_CJS_BUNDLE,
    define: Object.fromEntries(Object.entries(define).map(([k, v]) => [k, JSON.stringify(v)])),
  });
  return result.outputFiles[0]!.text;
}

/** The platform modules a function archive carries in `node_modules/`, wired to the release's Secrets. */
export async function platformModules(secrets: { namespace: string; data: string; app: string }): Promise<Record<string, string>> {
  const [db, appSecrets, email] = await Promise.all([
    bundle('remote-db.ts', { __TESSERA_DATA_SECRET__: { namespace: secrets.namespace, name: secrets.data } }),
    bundle('remote-secrets.ts', { __TESSERA_APP_SECRET__: { namespace: secrets.namespace, name: secrets.app } }),
    bundle('unavailable-email.ts', {}),
  ]);
  const pkg = (name: string) => `${JSON.stringify({ name, version: '1.0.0', private: true, main: 'index.js', type: 'commonjs' }, null, 2)}\n`;
  return {
    'node_modules/@tessera/db/index.js': db,
    'node_modules/@tessera/db/package.json': pkg('@tessera/db'),
    'node_modules/@tessera/secrets/index.js': appSecrets,
    'node_modules/@tessera/secrets/package.json': pkg('@tessera/secrets'),
    // Loads, and refuses to send with a message saying why (docs/fission.md).
    'node_modules/@tessera/email/index.js': email,
    'node_modules/@tessera/email/package.json': pkg('@tessera/email'),
  };
}
