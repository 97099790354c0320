/**
 * A process that commits to a workspace as fast as it can, for src/workspace/kill.test.ts to SIGKILL:
 * `node --import tsx test/support/workspace-committer.ts <dir>`. Large files widen the moments at
 * which a kill lands inside a write. It says "ready" (IPC) once it has recovered the workspace;
 * with a second argument `recover` it stops there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openWorkspace } from '../../src/workspace/index.ts';

const dir = process.argv[2]!;
const workspace = openWorkspace(dir);
if (!existsSync(path.join(dir, '.git'))) await workspace.init([{ path: 'README.md', content: 'kill me\n' }], 'First');
await workspace.recover();
process.send?.('ready');
// `recover`: only put the workspace back, then wait to be looked at.
if (process.argv[3] === 'recover') setInterval(() => undefined, 60_000);
else
  for (let i = 0; ; i++) {
    const content = `${i} ${Math.random()}\n`.repeat(20_000);
    await workspace.commit([{ path: `file-${i % 5}.txt`, content }], `Commit ${i}`);
  }
