import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../project-root.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-ws-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// isomorphic-git wrote objects, refs and the index straight into their final names: a
// SIGKILL of a process committing large files often left an empty object file behind (2 runs in 3 at 8 kills).
it('keeps the repository whole (git fsck, clean tree) when the committing process is SIGKILLed mid-commit', async () => {
  for (let kill = 0; kill < 12; kill++) {
    const child = fork(path.join(PROJECT_ROOT, 'test/support/workspace-committer.ts'), [dir], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the committer exited with ${code} before it was ready`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    execFileSync('git', ['-C', dir, 'fsck', '--full', '--no-dangling'], { stdio: 'pipe' });
  }
  // The next start (the committer's recover()) leaves the working tree as HEAD has it.
  const child = fork(path.join(PROJECT_ROOT, 'test/support/workspace-committer.ts'), [dir, 'recover'], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  const status = execFileSync('git', ['-C', dir, 'status', '--porcelain'], { encoding: 'utf8' });
  child.kill('SIGKILL');
  expect(Number(execFileSync('git', ['-C', dir, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }))).toBeGreaterThan(1);
  expect(status).toBe('');
}, 120_000);
