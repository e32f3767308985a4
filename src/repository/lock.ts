import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { mkdirDurable, writeFileAtomic } from './atomic-file.ts';

/**
 * Repository locks, one file each under `locks/`:
 * - `exclusive.json`: one writer at a time (backup, delete, prune). Created with O_EXCL.
 * - `shared-<random>.json`: readers (restore, verify). Any number; delete and prune wait for none.
 * Each holds the owner's pid, host, operation and start time, and is refreshed while held.
 * A lock is stale when its process is gone (same host) or it was not refreshed for STALE_MS.
 */
export interface LockOwner {
  pid: number;
  host: string;
  operation: string;
  since: string;
  user: string;
}

export class LockBusyError extends Error {
  constructor(readonly holder: LockOwner) {
    super(
      holder.pid === 0
        ? `repository is locked by an unreadable lock file in locks/; it is cleared automatically ${STALE_MS / 60_000} minutes after its last change`
        : `repository is busy: ${holder.operation} by ${holder.user} (pid ${holder.pid} on ${holder.host}) since ${holder.since}`,
    );
  }
}

export const STALE_MS = 10 * 60_000;
const REFRESH_MS = 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const UNKNOWN_OWNER: LockOwner = { pid: 0, host: '?', operation: 'unknown operation', since: '?', user: '?' };

async function readOwner(file: string): Promise<{ owner: LockOwner; mtime: number; text: string } | null> {
  let text: string;
  let mtime: number;
  try {
    [text, mtime] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtimeMs)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return { owner: JSON.parse(text) as LockOwner, mtime, text };
  } catch {
    // Lock files appear whole (written, then linked into place), so this is damage; only age can clear it.
    return { owner: UNKNOWN_OWNER, mtime, text };
  }
}

function isStale(owner: LockOwner, mtime: number): boolean {
  if (owner.host === os.hostname() && owner.pid > 0 && owner.pid !== process.pid && !processAlive(owner.pid)) return true;
  return Date.now() - mtime > STALE_MS;
}

export interface HeldLock {
  release(): Promise<void>;
  /** Staleness recoveries performed while acquiring (for the audit trail). */
  recovered: LockOwner[];
}

export class RepositoryLocks {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, 'locks');
  }

  private owner(operation: string): LockOwner {
    return { pid: process.pid, host: os.hostname(), operation, since: new Date().toISOString(), user: os.userInfo().username };
  }

  /**
   * Creates a lock file whole (written under a temporary name, then linked into place, which
   * fails if the name exists), so that no other process ever reads a half-written lock.
   * Returns false when the lock exists already.
   */
  private async tryCreate(file: string, operation: string): Promise<boolean> {
    await mkdirDurable(this.dir);
    return writeFileAtomic(file, JSON.stringify(this.owner(operation)), { exclusive: true });
  }

  private hold(file: string, recovered: LockOwner[]): HeldLock {
    const timer = setInterval(() => {
      const now = new Date();
      fs.utimes(file, now, now).catch(() => undefined);
    }, REFRESH_MS);
    timer.unref();
    return {
      recovered,
      release: async () => {
        clearInterval(timer);
        await fs.rm(file, { force: true });
      },
    };
  }

  /**
   * Removes the lock file if it is stale; returns its owner when it was. The file is renamed
   * away first and checked: if another process replaced the stale lock by a live one in the
   * meantime, that one is put back rather than removed.
   */
  private async clearIfStale(file: string): Promise<LockOwner | null> {
    const found = await readOwner(file);
    if (!found || !isStale(found.owner, found.mtime)) return null;
    const grave = `${file}.stale-${crypto.randomBytes(6).toString('hex')}`;
    try {
      await fs.rename(file, grave);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const taken = await fs.readFile(grave, 'utf8').catch(() => '');
    if (taken !== found.text) await fs.link(grave, file).catch(() => undefined);
    await fs.rm(grave, { force: true });
    return taken === found.text ? found.owner : null;
  }

  private async liveShared(): Promise<{ owners: LockOwner[]; recovered: LockOwner[] }> {
    const owners: LockOwner[] = [];
    const recovered: LockOwner[] = [];
    let names: string[] = [];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return { owners, recovered };
    }
    for (const name of names.filter((n) => n.startsWith('shared-') && n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      const stale = await this.clearIfStale(file);
      if (stale) recovered.push(stale);
      else {
        const found = await readOwner(file);
        if (found) owners.push(found.owner);
      }
    }
    return { owners, recovered };
  }

  /**
   * Takes the exclusive lock. `removesData` (delete, prune) also requires that no reader holds
   * a shared lock, since a restore in progress needs every chunk it has not read yet.
   */
  async exclusive(operation: string, options: { removesData?: boolean } = {}): Promise<HeldLock> {
    const file = path.join(this.dir, 'exclusive.json');
    const recovered: LockOwner[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.tryCreate(file, operation)) {
        if (options.removesData) {
          const shared = await this.liveShared();
          recovered.push(...shared.recovered);
          if (shared.owners.length > 0) {
            await fs.rm(file, { force: true });
            throw new LockBusyError(shared.owners[0]!);
          }
        }
        return this.hold(file, recovered);
      }
      const stale = await this.clearIfStale(file);
      if (stale) {
        recovered.push(stale);
        continue;
      }
      const found = await readOwner(file);
      if (found) throw new LockBusyError(found.owner);
      // Released between our attempt and the read: try again.
    }
    throw new LockBusyError(UNKNOWN_OWNER);
  }

  /** Takes a shared lock: refused while a delete or prune holds the exclusive lock. */
  async shared(operation: string): Promise<HeldLock> {
    const file = path.join(this.dir, `shared-${crypto.randomBytes(8).toString('hex')}.json`);
    try {
      await this.tryCreate(file, operation);
    } catch (err) {
      // Nobody can remove data from a read-only filesystem (a mounted copy at disaster
      // recovery time, say), so reading it needs no lock.
      if ((err as NodeJS.ErrnoException).code === 'EROFS') return { recovered: [], release: async () => undefined };
      throw err;
    }
    const exclusive = path.join(this.dir, 'exclusive.json');
    const recovered: LockOwner[] = [];
    const stale = await this.clearIfStale(exclusive);
    if (stale) recovered.push(stale);
    const found = await readOwner(exclusive);
    if (found && /^(delete|prune)/.test(found.owner.operation)) {
      await fs.rm(file, { force: true });
      throw new LockBusyError(found.owner);
    }
    return this.hold(file, recovered);
  }
}
