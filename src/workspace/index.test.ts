import { execFileSync } from 'node:child_process';
import fs, { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterAll, describe, expect, it } from 'vitest';
import { diskUsage, openWorkspace, safeRepoPath } from './index.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'tessera-ws-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workspace', () => {
  it('makes exactly one commit per change, with its message', async () => {
    const ws = openWorkspace(path.join(root, 'a'));
    await ws.init([{ path: 'blueprint.json', content: '{}' }], 'Create app a');
    await ws.commit(
      [
        { path: 'functions/list-notes.js', content: 'x' },
        { path: 'frontend/A.tsx', content: 'y' },
      ],
      'Add things',
    );
    const log = await ws.log();
    expect(log.map((c) => c.message)).toEqual(['Add things', 'Create app a']);
    expect(await ws.list('functions')).toEqual(['functions/list-notes.js']);
    expect(await ws.read('frontend/A.tsx')).toBe('y');
    await ws.commit([{ path: 'frontend/A.tsx', content: null }], 'Remove A');
    expect(await ws.read('frontend/A.tsx')).toBeNull();
    expect(await ws.list('frontend')).toEqual([]);
  });

  it('asks beforeWrite before every change and leaves no trace when it refuses', async () => {
    let allowed = true;
    const ws = openWorkspace(path.join(root, 'fenced'), {
      beforeWrite: () => {
        if (!allowed) throw new Error('lease lost');
      },
    });
    const first = await ws.init([{ path: 'a.txt', content: 'one' }], 'init');
    allowed = false;
    await expect(
      ws.commit(
        [
          { path: 'a.txt', content: 'two' },
          { path: 'b.txt', content: 'new' },
        ],
        'change',
      ),
    ).rejects.toThrow('lease lost');
    await expect(ws.undo(first, [{ path: 'a.txt', content: 'one' }])).rejects.toThrow('lease lost');
    await expect(
      openWorkspace(path.join(root, 'fenced-2'), {
        beforeWrite: () => {
          throw new Error('lease lost');
        },
      }).init([], 'init'),
    ).rejects.toThrow('lease lost');
    expect(await ws.head()).toBe(first);
    expect(await ws.read('a.txt')).toBe('one');
    expect(await ws.read('b.txt')).toBeNull();
    // Reads never ask.
    expect((await ws.log()).map((c) => c.message)).toEqual(['init']);
  });

  it('takes back the newest commit with undo()', async () => {
    const ws = openWorkspace(path.join(root, 'c'));
    const first = await ws.init([{ path: 'a.txt', content: 'one' }], 'init');
    const changes = [
      { path: 'a.txt', content: 'two' },
      { path: 'migrations/0001_x.sql', content: 'CREATE TABLE x (y);' },
    ];
    await ws.commit(changes, 'change');
    await ws.undo(first, changes);
    expect(await ws.head()).toBe(first);
    expect(await ws.read('a.txt')).toBe('one');
    expect(await ws.read('migrations/0001_x.sql')).toBeNull();
    expect((await ws.log()).map((c) => c.message)).toEqual(['init']);
    await ws.commit([{ path: 'b.txt', content: 'b' }], 'after undo');
    expect(await ws.list('')).toEqual(['a.txt', 'b.txt']);
  });

  it('refuses paths that leave the repository, changing nothing', async () => {
    const ws = openWorkspace(path.join(root, 'b'));
    const head = await ws.init([{ path: 'README.md', content: 'hi' }], 'init');
    for (const bad of ['../escape.txt', '/etc/passwd', 'a/../../b', '.git/config', 'a//b', '']) {
      expect(() => safeRepoPath(bad)).toThrow(/not allowed/);
      await expect(ws.commit([{ path: bad, content: 'x' }], 'bad')).rejects.toThrow(/not allowed/);
    }
    expect(await ws.head()).toBe(head);
    expect(await ws.read('README.md')).toBe('hi');
  });

  it('refuses a commit that would take the repository past its quota, changing nothing; deletions still go through', async () => {
    const dir = path.join(root, 'quota');
    const ws = openWorkspace(dir, { maxBytes: 200_000 });
    const first = await ws.init([{ path: 'README.md', content: 'hi' }], 'init');
    const second = await ws.commit([{ path: 'data/a.txt', content: 'a'.repeat(60_000) }], 'fits');
    const before = await diskUsage(dir);
    expect(before).toBeGreaterThan(60_000);
    const err = await ws
      .commit(
        [
          { path: 'data/b.txt', content: 'b'.repeat(80_000) },
          { path: 'README.md', content: 'changed' },
        ],
        'too much',
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 413, details: { quota: 'APP_REPO_MAX_BYTES', limit: 200_000 } });
    expect((err as Error).message).toContain('APP_REPO_MAX_BYTES');
    expect(await ws.head()).toBe(second);
    expect(await ws.read('data/b.txt')).toBeNull();
    expect(await ws.read('README.md')).toBe('hi');
    expect(await diskUsage(dir)).toBe(before);
    // Removing files is never refused, even at the limit.
    await ws.commit([{ path: 'data/a.txt', content: null }], 'make room');
    expect(await ws.list('data')).toEqual([]);
    expect((await ws.log()).map((c) => c.id).slice(-1)).toEqual([first]);
  });

  it('writes git files whole (through a temporary file), so git fsck passes and no temporary file stays', async () => {
    const dir = path.join(root, 'atomic');
    const ws = openWorkspace(dir);
    await ws.init([{ path: 'a.txt', content: 'one' }], 'First');
    const first = await ws.head();
    await ws.commit([{ path: 'b/c.txt', content: 'two' }], 'Second');
    await ws.undo(first, [{ path: 'b/c.txt', content: 'two' }]);
    await ws.commit([{ path: 'a.txt', content: 'three' }], 'Third');
    expect(readdirSync(path.join(dir, '.git')).filter((name) => name.startsWith('tessera-tmp-'))).toEqual([]);
    execFileSync('git', ['-C', dir, 'fsck', '--full', '--strict']);
    expect(execFileSync('git', ['-C', dir, 'log', '--format=%s'], { encoding: 'utf8' }).trim().split('\n')).toEqual(['Third', 'First']);
    // A temporary file a crash left behind is removed on recovery; a clean tree needs no other change.
    writeFileSync(path.join(dir, '.git', 'tessera-tmp-1-1'), 'half');
    expect(await ws.recover()).toEqual([]);
    expect(existsSync(path.join(dir, '.git', 'tessera-tmp-1-1'))).toBe(false);
  });

  it('recover() puts a changed, a staged and an untracked file back as HEAD has them', async () => {
    const dir = path.join(root, 'recover');
    const ws = openWorkspace(dir);
    await ws.init([{ path: 'keep.txt', content: 'kept' }], 'First');
    writeFileSync(path.join(dir, 'keep.txt'), 'changed');
    writeFileSync(path.join(dir, 'new.txt'), 'new');
    await git.add({ fs, dir, filepath: 'new.txt' });
    writeFileSync(path.join(dir, 'stray.txt'), 'stray');
    expect((await ws.recover()).sort()).toEqual(['keep.txt', 'new.txt', 'stray.txt']);
    expect(await ws.read('keep.txt')).toBe('kept');
    expect(await ws.read('new.txt')).toBeNull();
    expect(await ws.read('stray.txt')).toBeNull();
    expect(execFileSync('git', ['-C', dir, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
  });
});
