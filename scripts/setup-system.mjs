#!/usr/bin/env node
// Installs the system packages the tests need (Debian's Chromium for browser tests, bubblewrap for
// the function sandbox) when they are
// missing. Runs before `npm test`; as root it uses apt-get, otherwise it says what to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const packages = [
  { name: 'chromium', file: '/usr/bin/chromium' },
  // Tenant functions run inside bubblewrap namespaces where it works.
  { name: 'bubblewrap', file: '/usr/bin/bwrap' },
  // The registry tests run PostgreSQL through pgbouncer in transaction mode, as production does.
  { name: 'pgbouncer', file: '/usr/sbin/pgbouncer' },
  // The crash tests check every app repository with git's own fsck.
  { name: 'git', file: '/usr/bin/git' },
];
const missing = packages.filter((p) => !existsSync(p.file)).map((p) => p.name);
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(`Tessera's tests need: ${missing.join(', ')}. Install them with:\n  sudo sh -c '${command}'`);
  process.exit(1);
}
console.log(`Installing ${missing.join(', ')} (needed by the browser tests)...`);
execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
