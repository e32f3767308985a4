import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LockBusyError, RepositoryLocks, STALE_MS } from '../../src/repository/lock.ts';
import { actor, tempDir, workspace } from '../helpers/workspace.ts';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

function writeLock(dir: string, name: string, owner: object, ageMs = 0): string {
  fs.mkdirSync(path.join(dir, 'locks'), { recursive: true });
  const file = path.join(dir, 'locks', name);
  fs.writeFileSync(file, JSON.stringify(owner));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
  return file;
}

describe('repository locks', () => {
  it('lets one writer in and tells the other who holds the lock', async () => {
    const locks = new RepositoryLocks(tempDir());
    const held = await locks.exclusive('backup');
    const err = await locks.exclusive('prune').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockBusyError);
    expect((err as Error).message).toMatch(new RegExp(`busy: backup by .* \\(pid ${process.pid} on ${os.hostname()}\\)`));
    await held.release();
    await (await locks.exclusive('prune')).release();
  });

  it('recovers a lock whose process is dead, or that nobody refreshed for too long', async () => {
    const dir = tempDir();
    const locks = new RepositoryLocks(dir);
    const owner = { host: os.hostname(), operation: 'backup', since: '2026-01-01T00:00:00Z', user: 'x' };
    writeLock(dir, 'exclusive.json', { ...owner, pid: deadPid() });
    const a = await locks.exclusive('backup');
    expect(a.recovered).toEqual([expect.objectContaining({ operation: 'backup' })]);
    await a.release();

    writeLock(dir, 'exclusive.json', { ...owner, host: 'other-host', pid: 1 }, STALE_MS + 60_000);
    const b = await locks.exclusive('backup');
    expect(b.recovered).toHaveLength(1);
    await b.release();

    writeLock(dir, 'exclusive.json', { ...owner, host: 'other-host', pid: 1 }, 1000);
    await expect(locks.exclusive('backup')).rejects.toThrow(/busy: backup by x \(pid 1 on other-host\)/);
  });

  it('keeps data-removing operations and readers apart', async () => {
    const locks = new RepositoryLocks(tempDir());
    const reader = await locks.shared('restore');
    await expect(locks.exclusive('prune', { removesData: true })).rejects.toThrow(/busy: restore/);
    // A backup only adds data, so it may run beside a restore.
    await (await locks.exclusive('backup')).release();
    await reader.release();
    const pruner = await locks.exclusive('prune', { removesData: true });
    await expect(locks.shared('verify')).rejects.toThrow(/busy: prune/);
    await pruner.release();
  });

  it('answers concurrent backups with one success and one "busy"', async () => {
    const ws = workspace({ incidents: 3000 });
    const results = await Promise.allSettled([
      ws.service.create({ ...actor, trigger: 'cli' }),
      ws.service.create({ ...actor, trigger: 'api' }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const busy = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(1);
    expect(busy[0]).toMatchObject({ code: 'BUSY', message: expect.stringMatching(/repository is busy: backup/) });
    expect(await ws.service.list(actor)).toHaveLength(1);
  });
});

describe('damaged lock files', () => {
  it('are busy while young and recovered once old, never removed at sight', async () => {
    const dir = tempDir();
    const locks = new RepositoryLocks(dir);
    const file = writeLock(dir, 'exclusive.json', {}, 0);
    fs.writeFileSync(file, '{"pid": 12');
    await expect(locks.exclusive('backup')).rejects.toThrow(/locked by an unreadable lock file in locks\/; it is cleared automatically 10 minutes after/);
    expect(fs.existsSync(file)).toBe(true);
    const old = new Date(Date.now() - STALE_MS - 1000);
    fs.utimesSync(file, old, old);
    const held = await locks.exclusive('backup');
    expect(held.recovered).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, operation: 'backup' });
    expect(fs.readdirSync(path.join(dir, 'locks'))).toEqual(['exclusive.json']);
    await held.release();
  });
});
