import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../project-root.ts';

/**
 * A platform started with a descriptor it does not know about (a FIFO on fd 40, no close-on-exec,
 * as a careless launcher leaves it): tenant code must not find it open in its sandbox. The function
 * reaches for it the strongest way it has: the channel socket's own constructor (found by wrapping a
 * stream method the sandbox uses), which opens any descriptor number.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readFd40 = `const { Duplex, Writable } = require('stream');
module.exports = async () => {
  let socket;
  const wrap = (proto) => { const write = proto.write; proto.write = function (...args) { socket ??= this; return write.apply(this, args); }; return () => (proto.write = write); };
  const unwrap = [wrap(Duplex.prototype), wrap(Writable.prototype)];
  await require('@tessera/db').query('SELECT 1').catch(() => {});
  unwrap.forEach((f) => f());
  if (!socket) return { status: 200, body: 'no socket found' };
  try {
    const other = new socket.constructor({ fd: 40, readable: true, writable: false });
    const seen = await new Promise((resolve) => {
      other.once('data', (d) => resolve('read ' + String(d)));
      other.once('error', (e) => resolve('error ' + e.code));
      setTimeout(() => resolve('nothing'), 1000);
    });
    return { status: 200, body: 'fd 40: ' + seen };
  } catch (e) {
    return { status: 200, body: 'fd 40 not open: ' + e.code };
  }
}`;

describe('descriptors the platform inherited', () => {
  it.each(['auto', 'process'])(
    'are not open in a sandbox (isolation %s)',
    async (isolation) => {
      const fifo = path.join(dir, `fifo-${isolation}`);
      await promisify(execFile)('mkfifo', [fifo]);
      // The launcher: fd 40 open read-write on the FIFO with a secret waiting in it, then the platform.
      const launcher = `exec 40<>"$FIFO"; printf platform-secret >&40; exec "$NODE" --import tsx test/support/fd-probe-platform.ts`;
      const { stdout } = await promisify(execFile)('bash', ['-c', launcher], {
        cwd: PROJECT_ROOT,
        timeout: 60_000,
        env: {
          ...process.env,
          FIFO: fifo,
          NODE: process.execPath,
          TESSERA_PROBE_CODE: readFd40,
          TESSERA_PROBE_DIR: dir,
          ...(isolation === 'process' ? { TESSERA_PROBE_ISOLATION: 'process' } : {}),
        },
      });
      expect(stdout).toMatch(/^fd 40 (not open|: error)/);
      expect(stdout).not.toContain('platform-secret');
    },
    90_000,
  );
});
