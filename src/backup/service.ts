import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ChunkCorruptError, ChunkMissingError } from '../repository/chunk-store.ts';
import { LockBusyError, type HeldLock } from '../repository/lock.ts';
import { fsyncDir } from '../repository/atomic-file.ts';
import type { JournalInput, JournalRecord } from '../repository/journal.ts';
import { isBackupId, manifestKey, type Manifest } from '../repository/manifest.ts';
import { Repository, RepositoryError } from '../repository/repository.ts';
import { listBackups, readManifests, summariesOf, summarize, syncCatalog } from './catalog.ts';
import { takeBackup } from './create.ts';
import { BackupError, describeIoError } from './errors.ts';
import { BackupEventEmitter, type Operation } from './events.ts';
import { collectGarbage, estimateFreed } from './garbage.ts';
import { exists, restoreBackup } from './restore.ts';
import { applyRetention, DEFAULT_RETENTION, type RetentionPolicy } from './retention.ts';
import type {
  BackupSummary,
  Caller,
  CreateOptions,
  ProgressReporter,
  PruneResult,
  RestoreOptions,
  RestoreResult,
  VerifyReport,
} from './types.ts';
import { verifyBackups } from './verify.ts';

export type * from './types.ts';

/** The running application's side of an in-place restore (implemented by the server). */
export interface LiveDatabase {
  enterMaintenance(reason: string): void;
  leaveMaintenance(): void;
  /** Closes every connection, folding the WAL into the file. */
  close(): void;
  reopen(): void;
  /** Verification queries on the reopened database; throws when it is not usable. */
  verify(): void;
  /** State that must survive the swap (settings), read before it. */
  snapshotState(): unknown;
  /** Puts that state back and re-imports the audit journal's records newer than the backup. */
  restoreState(state: unknown, journal: JournalRecord[]): void;
  /** A step of the restore in words, for the operator's progress log. */
  log(message: string): void;
}

export interface InPlaceResult {
  id: string;
  createdAt: string;
  safetyBackupId: string;
  sha256: string;
}

export interface BackupServiceOptions {
  /** The application database (WAL mode). Its directory is the data directory. */
  databasePath: string;
  /** The repository directory; created on the first backup. */
  repositoryPath: string;
  retention?: RetentionPolicy;
  /** integrity_check (default) or the faster quick_check. */
  check?: 'full' | 'quick';
}

/** The operating-system user running this process, as an audit actor. */
export function osActor(): string {
  return `os:${os.userInfo().username}@${os.hostname()}`;
}

function translate(err: unknown, what: string): BackupError {
  if (err instanceof BackupError) return err;
  if (err instanceof LockBusyError) return new BackupError('BUSY', err.message);
  if (err instanceof RepositoryError) return new BackupError(err.code, err.message);
  if (err instanceof ChunkMissingError || err instanceof ChunkCorruptError) return new BackupError('CORRUPT', err.message);
  return describeIoError(err, what);
}

function validateId(id: string): void {
  if (!isBackupId(id)) {
    throw new BackupError('INVALID_ARGUMENT', `not a backup id: ${JSON.stringify(id)} (expected e.g. 2026-11-24T02:00:00Z-ab12)`);
  }
}


/** Garbage collection needs every manifest: refuse to remove anything while one cannot be read. */
async function assertAllReadable(repo: Repository): Promise<void> {
  const { damaged } = await readManifests(repo);
  if (damaged.length > 0) {
    throw new BackupError('CORRUPT', `not removing anything: manifest(s) ${damaged.join(', ')} cannot be read (run verify)`);
  }
}

/**
 * The backup engine. Server, CLI and scheduler all call this one class; it knows nothing of
 * HTTP. Every operation is recorded in the repository's hash-chained journal, failures too,
 * and announced through {@link BackupService.events}. The work itself lives in one module per
 * operation (create.ts, restore.ts, verify.ts, garbage.ts); this class adds validation,
 * locking, auditing and the catalog.
 */
export class BackupService {
  readonly events = new BackupEventEmitter();
  readonly databasePath: string;
  readonly repositoryPath: string;
  private readonly retention: RetentionPolicy;
  private readonly check: 'full' | 'quick';

  constructor(options: BackupServiceOptions) {
    this.databasePath = path.resolve(options.databasePath);
    this.repositoryPath = path.resolve(options.repositoryPath);
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.check = options.check ?? 'full';
  }

  private async openRepository(): Promise<Repository> {
    try {
      return await Repository.open(this.repositoryPath);
    } catch (err) {
      throw translate(err, 'open repository');
    }
  }

  private async readManifest(repo: Repository, id: string): Promise<Manifest> {
    try {
      return await repo.readManifest(id);
    } catch (err) {
      throw translate(err, `read backup ${id}`);
    }
  }

  /** Runs `fn` holding a lock; stale locks it had to recover are reported as warnings. */
  private async withLock<T>(operation: Operation, lock: Promise<HeldLock>, fn: () => Promise<T>): Promise<T> {
    const held = await lock;
    for (const stale of held.recovered) {
      const message = `removed a stale lock: ${stale.operation} by ${stale.user} (pid ${stale.pid} on ${stale.host}) since ${stale.since}`;
      this.events.emit('warning', { operation, message });
      await this.journal(new Date().toISOString(), 'lock-recovered', { actor: 'system' }, null, 'success', null, { during: operation, stale }).catch(() => undefined);
    }
    try {
      return await fn();
    } finally {
      await held.release();
    }
  }

  private progress(operation: Operation): ProgressReporter {
    return (phase, done, total, unit) => this.events.emit('progress', { operation, phase, done, total, unit });
  }

  /**
   * Runs one audited operation: events, journal record (success or failure), error translation.
   * The journal needs a repository; when there is none the failure is still emitted.
   */
  private async run<T>(
    operation: Operation,
    caller: Caller,
    target: string | null,
    work: () => Promise<{ result: T; target?: string | null; details: Record<string, unknown> }>,
  ): Promise<T> {
    const started = performance.now();
    this.events.emit('started', { operation, target, actor: caller.actor });
    try {
      const { result, target: finalTarget, details } = await work();
      const durationMs = Math.round(performance.now() - started);
      const ts = new Date().toISOString();
      // The work is done and stays done: a journal that cannot be written (a read-only copy of
      // the repository) is reported as a warning, never as a failure of the operation.
      await this.journal(ts, operation, caller, finalTarget ?? target, 'success', null, { ...details, durationMs }).catch((err: Error) =>
        this.events.emit('warning', { operation, message: `not recorded in the audit journal: ${err.message}` }),
      );
      this.events.emit('succeeded', { ts, operation, target: finalTarget ?? target, actor: caller.actor, durationMs, details });
      return result;
    } catch (err) {
      const error = translate(err, operation);
      const durationMs = Math.round(performance.now() - started);
      const ts = new Date().toISOString();
      await this.journal(ts, operation, caller, target, 'failure', error.message, { code: error.code, durationMs }).catch(() => undefined);
      this.events.emit('failed', { ts, operation, target, actor: caller.actor, durationMs, error: error.message, code: error.code, cause: error });
      throw error;
    }
  }

  private async journal(
    ts: string,
    operation: Operation,
    caller: Caller,
    target: string | null,
    result: 'success' | 'failure',
    error: string | null,
    details: Record<string, unknown>,
  ): Promise<void> {
    let repo: Repository;
    try {
      repo = await Repository.open(this.repositoryPath);
    } catch {
      return;
    }
    await repo.journal.append({ ts, actor: caller.actor, action: `backup.${operation}`, target, result, error, details });
  }

  /** Takes a consistent snapshot of the live database (and the data files) and commits it as a new backup. */
  async create(options: CreateOptions): Promise<Manifest> {
    return this.run('create', options, null, async () => {
      await fs.access(this.databasePath, fs.constants.R_OK).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new BackupError('DATABASE_MISSING', `database not found: ${this.databasePath}`);
        throw describeIoError(err, `cannot read the database ${this.databasePath}`);
      });
      let repo: Repository;
      try {
        repo = await Repository.openOrInit(this.repositoryPath);
      } catch (err) {
        throw translate(err, `cannot use repository ${this.repositoryPath}`);
      }
      const manifest = await this.withLock('create', repo.locks.exclusive('backup'), async () => {
        // Only what the exclusive lock guards: pins are written under a shared lock.
        for (const folder of ['chunks', 'manifests']) await repo.storage.removeTemporaryFiles(folder);
        const previous = (await listBackups(repo))[0];
        return takeBackup(repo, this.databasePath, { ...options, check: this.check, previousNewBytes: previous?.newBytes }, this.progress('create'));
      });
      await this.refreshCatalogOrWarn('create', repo);
      return {
        result: manifest,
        target: manifest.id,
        details: {
          bytes: manifest.database.size,
          newBytes: manifest.stats.newBytes,
          sha256: manifest.database.sha256,
          snapshot: manifest.database.snapshotMethod,
        },
      };
    });
  }

  /**
   * Appends a record to the repository's audit journal for something the engine did not do
   * itself: a refused request, a settings change. (The engine journals its own operations.)
   */
  async appendJournal(entry: JournalInput): Promise<void> {
    const repo = await this.openRepository();
    await repo.journal.append(entry);
  }

  /** Creates the repository (0700) unless it exists; a server does this at start. */
  async initRepository(): Promise<void> {
    try {
      await Repository.openOrInit(this.repositoryPath);
    } catch (err) {
      throw translate(err, `cannot use repository ${this.repositoryPath}`);
    }
  }

  /** Bytes the repository holds on storage (chunks and manifests). */
  async repositoryBytes(): Promise<number> {
    const repo = await this.openRepository();
    let total = 0;
    for (const prefix of ['chunks', 'manifests']) for (const key of await repo.storage.list(prefix)) total += (await repo.storage.size(key)) ?? 0;
    return total;
  }

  /** Every backup, newest first, without an audit record: for monitoring, which reads it every few seconds. */
  async summaries(): Promise<BackupSummary[]> {
    return listBackups(await this.openRepository());
  }

  /** Every backup, newest first. Damaged manifests are left out, with a warning naming them. */
  async list(caller: Caller): Promise<BackupSummary[]> {
    return this.run('list', caller, null, async () => {
      const repo = await this.openRepository();
      const { manifests, damaged } = await readManifests(repo);
      if (damaged.length > 0) {
        this.events.emit('warning', { operation: 'list', message: `damaged manifest(s) not listed: ${damaged.join(', ')} (run verify)` });
      }
      const result = await summariesOf(repo, manifests);
      return { result, details: { count: result.length } };
    });
  }

  async show(caller: Caller & { id: string }): Promise<{ manifest: Manifest; summary: BackupSummary }> {
    return this.run('show', caller, caller.id, async () => {
      validateId(caller.id);
      const repo = await this.openRepository();
      const manifest = await this.readManifest(repo, caller.id);
      return { result: { manifest, summary: summarize(manifest, await repo.isPinned(caller.id)) }, details: {} };
    });
  }

  /** The newest backup created at or before `at`. */
  async resolveAt(at: string): Promise<BackupSummary> {
    // A date and a time are required; without an offset the time is local, as the operator reads a clock.
    const when = Date.parse(at);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at) || Number.isNaN(when)) {
      throw new BackupError(
        'INVALID_ARGUMENT',
        `not an ISO 8601 date and time: ${JSON.stringify(at)} (e.g. 2026-11-24T02:30:00Z, or 2026-11-24T11:30 in local time)`,
      );
    }
    const backups = await listBackups(await this.openRepository());
    const match = backups.find((b) => Date.parse(b.createdAt) <= when);
    if (!match) {
      const oldest = backups[backups.length - 1];
      throw new BackupError(
        'NOT_FOUND',
        oldest ? `no backup at or before ${at}; the oldest is ${oldest.id} (${oldest.createdAt})` : 'the repository holds no backups',
      );
    }
    return match;
  }

  /** Restores a backup to a new file: every chunk and the whole file checked, integrity_check, atomic rename. */
  async restore(options: RestoreOptions): Promise<RestoreResult> {
    const target = path.resolve(options.to);
    return this.run('restore', options, options.id ?? options.at ?? null, async () => {
      if (options.id) validateId(options.id);
      else if (!options.at) throw new BackupError('INVALID_ARGUMENT', 'give a backup id or a point in time (--at)');
      const targetExists = await exists(target);
      // Where the live database is missing (disaster recovery), restoring to its path is the point.
      if (target === this.databasePath && targetExists) {
        throw new BackupError(
          'INVALID_ARGUMENT',
          `refusing to restore over the live database ${target}; restore to another path, stop the application and swap the files (docs/operations.md)`,
        );
      }
      if (!options.force && targetExists) throw new BackupError('TARGET_EXISTS', `${target} exists; pass --force to replace it`);
      const repo = await this.openRepository();
      const result = await this.withLock('restore', repo.locks.shared(`restore to ${target}`), async () => {
        const id = options.id ?? (await this.resolveAt(options.at!)).id;
        const manifest = await this.readManifest(repo, id);
        const check = options.fullCheck ? 'full' : 'quick';
        const restoreOptions = { force: options.force ?? false, files: options.files !== false, check } as const;
        return restoreBackup(repo, manifest, target, restoreOptions, this.progress('restore'));
      });
      return { result, target: result.id, details: { to: target, bytes: result.bytes, sha256: result.sha256, files: result.files } };
    });
  }

  /**
   * Restores a backup over the live database of a running application (DESIGN §4). The backup
   * is first restored and checked beside the live file, while the application still serves;
   * then, in maintenance mode: a safety backup of the current database, close, atomic swap
   * (the original kept under a second name until the end), reopen, verification queries,
   * catalog resync, re-import of the audit journal's newer records, leave maintenance. Any
   * failure after the swap puts the original back. A crash leaves either file whole.
   */
  async restoreInPlace(options: Caller & { id?: string; at?: string }, live: LiveDatabase): Promise<InPlaceResult> {
    return this.run('restore-in-place', options, options.id ?? options.at ?? null, async () => {
      const say = (m: string) => live.log(m);
      const id = options.id ?? (await this.resolveAt(options.at ?? '')).id;
      validateId(id);
      const dir = path.dirname(this.databasePath);
      const staged = path.join(dir, `.restore-${crypto.randomBytes(6).toString('hex')}.db`);
      const aside = `${this.databasePath}.before-restore`;
      say(`restoring backup ${id} beside the live database and checking it`);
      try {
        const restored = await this.restore({ actor: options.actor, id, to: staged, files: true, force: false });
        say(`backup ${id} restored and checked (sha256 ${restored.sha256.slice(0, 12)}…, ${restored.integrity})`);
        live.enterMaintenance(`restoring backup ${id}`);
        say('maintenance mode on: requests get 503');
        let safety: Manifest;
        try {
          safety = await this.create({ actor: options.actor, trigger: 'pre-restore', class: 'pre-restore', tag: `before restore of ${id}` });
          say(`safety backup ${safety.id} taken: this restore can be rolled back`);
          const carried = live.snapshotState();
          live.close();
          say('database closed');
          try {
            await fs.rm(aside, { force: true });
            await fs.link(this.databasePath, aside);
            for (const suffix of ['-wal', '-shm']) await fs.rm(`${this.databasePath}${suffix}`, { force: true });
            await fs.rename(staged, this.databasePath);
          } catch (err) {
            // rename() is atomic and the commit point: until it succeeds, the original is in place.
            live.reopen();
            await fs.rm(aside, { force: true });
            say(`swap failed (${(err as Error).message}); the original database is open again`);
            throw translate(err, 'swap the database files');
          }
          say('database file swapped');
          try {
            await fsyncDir(dir);
            live.reopen();
            live.verify();
            say('database reopened; verification queries passed');
            live.restoreState(carried, await this.journalSince(restored.createdAt));
          } catch (err) {
            say(`verification failed (${(err as Error).message}); putting the original database back`);
            live.close();
            for (const suffix of ['-wal', '-shm']) await fs.rm(`${this.databasePath}${suffix}`, { force: true });
            await fs.rename(aside, this.databasePath);
            await fsyncDir(dir);
            live.reopen();
            say('original database back in place');
            throw new BackupError('INTEGRITY_FAILED', `restored database failed verification, original put back: ${(err as Error).message}`);
          }
          await fs.rm(aside, { force: true });
        } finally {
          live.leaveMaintenance();
          say('maintenance mode off');
        }
        await this.refreshCatalogOrWarn('restore-in-place', await this.openRepository());
        const result = { id, createdAt: restored.createdAt, safetyBackupId: safety.id, sha256: restored.sha256 };
        // Restoring a safety backup is how a restore is rolled back.
        const rolledBack = (await this.readManifest(await this.openRepository(), id)).class === 'pre-restore';
        return { result, target: id, details: { safetyBackup: safety.id, sha256: restored.sha256, rolledBack } };
      } finally {
        await fs.rm(staged, { force: true });
      }
    });
  }

  /** Journal records newer than a time (re-imported into the audit log after a restore). */
  private async journalSince(ts: string): Promise<JournalRecord[]> {
    return (await this.journalRecords()).filter((r) => r.ts > ts);
  }

  /** Every record of the repository's audit journal, oldest first. */
  async journalRecords(): Promise<JournalRecord[]> {
    const repo = await this.openRepository();
    return repo.journal.read();
  }

  /**
   * Checks the repository. Quick: every manifest parses and every chunk it names exists.
   * With `readData`: every chunk is read, decompressed and hashed. Problems name the backups they affect.
   */
  async verify(options: Caller & { id?: string; readData?: boolean }): Promise<VerifyReport> {
    return this.run('verify', options, options.id ?? null, async () => {
      if (options.id) validateId(options.id);
      const repo = await this.openRepository();
      const report = await this.withLock('verify', repo.locks.shared('verify'), async () => {
        const { manifests, damaged } = options.id
          ? { manifests: [await this.readManifest(repo, options.id)], damaged: [] }
          : await readManifests(repo);
        return verifyBackups(repo, manifests, damaged, options.readData ?? false, this.progress('verify'));
      });
      const affected = [...new Set(report.problems.flatMap((p) => p.affects))];
      return { result: report, details: { ok: report.ok, problems: report.problems.length, readData: report.readData, affected } };
    });
  }

  /** Deletes one backup (refused while pinned) and the chunks no other backup needs. */
  async delete(options: Caller & { id: string }): Promise<{ id: string; chunksRemoved: number; bytesFreed: number }> {
    return this.run('delete', options, options.id, async () => {
      validateId(options.id);
      const repo = await this.openRepository();
      const result = await this.withLock('delete', repo.locks.exclusive('delete', { removesData: true }), async () => {
        await this.readManifest(repo, options.id);
        if (await repo.isPinned(options.id)) throw new BackupError('PINNED', `backup ${options.id} is pinned; unpin it first`);
        await assertAllReadable(repo);
        await repo.deleteManifest(options.id);
        return { id: options.id, ...(await collectGarbage(repo, this.progress('delete'))) };
      });
      await this.refreshCatalogOrWarn('delete', repo);
      return { result, details: { chunksRemoved: result.chunksRemoved, bytesFreed: result.bytesFreed } };
    });
  }

  async pin(options: Caller & { id: string; pinned: boolean }): Promise<BackupSummary> {
    return this.run('pin', options, options.id, async () => {
      validateId(options.id);
      const repo = await this.openRepository();
      // A shared lock: no delete or prune can remove the backup while it is being pinned.
      const manifest = await this.withLock('pin', repo.locks.shared('pin'), async () => {
        const m = await this.readManifest(repo, options.id);
        await repo.setPinned(options.id, options.pinned);
        return m;
      });
      await this.refreshCatalogOrWarn('pin', repo);
      return { result: summarize(manifest, options.pinned), details: { pinned: options.pinned } };
    });
  }

  /**
   * Applies the retention policy. Refuses when the newest backup attempt failed: a prune must
   * never leave fewer good backups behind a failing schedule. Manifests go first, then the
   * chunks nothing refers to any more; a crash in between only leaves garbage for the next run.
   */
  async prune(options: Caller & { dryRun?: boolean; policy?: RetentionPolicy; now?: Date }): Promise<PruneResult> {
    return this.run('prune', options, null, async () => {
      const started = performance.now();
      const repo = await this.openRepository();
      const plan = async () => {
        const backups = await listBackups(repo);
        const decisions = applyRetention(backups, options.policy ?? this.retention, options.now);
        return { backups, decisions, doomed: decisions.filter((d) => !d.keep).map((d) => d.id) };
      };
      let result: PruneResult;
      if (options.dryRun) {
        const { decisions, doomed } = await plan();
        const bytesFreed = await estimateFreed(repo, doomed);
        result = { dryRun: true, decisions, removed: doomed, chunksRemoved: 0, bytesFreed, durationMs: 0 };
      } else {
        result = await this.withLock('prune', repo.locks.exclusive('prune', { removesData: true }), async () => {
          const { backups, decisions, doomed } = await plan();
          await this.assertNewestBackupSucceeded(repo, backups[0]?.createdAt);
          await assertAllReadable(repo);
          const progress = this.progress('prune');
          for (const [i, id] of doomed.entries()) {
            await repo.storage.delete(manifestKey(id));
            progress('manifests', i + 1, doomed.length, 'backups');
          }
          await repo.storage.flush(['manifests']);
          const gc = await collectGarbage(repo, progress);
          return { dryRun: false, decisions, removed: doomed, ...gc, durationMs: 0 };
        });
        await this.refreshCatalogOrWarn('prune', repo);
      }
      result.durationMs = Math.round(performance.now() - started);
      return { result, details: { dryRun: result.dryRun, removed: result.removed, bytesFreed: result.bytesFreed } };
    });
  }

  private async assertNewestBackupSucceeded(repo: Repository, newestBackupAt: string | undefined): Promise<void> {
    // A create refused for being busy or for bad input says nothing about the backups' health.
    const notAttempts = new Set(['BUSY', 'INVALID_ARGUMENT']);
    const records = await repo.journal.read();
    const lastCreate = records.filter((r) => r.action === 'backup.create' && !notAttempts.has(String(r.details?.code))).pop();
    if (lastCreate?.result === 'failure' && (!newestBackupAt || lastCreate.ts > newestBackupAt)) {
      throw new BackupError(
        'REFUSED',
        `the newest backup attempt failed at ${lastCreate.ts} (${lastCreate.error}); not pruning until a backup succeeds`,
      );
    }
  }

  /** The catalog is a convenience: failing to update it does not undo or fail committed work. */
  private async refreshCatalogOrWarn(operation: Operation, repo: Repository): Promise<void> {
    await this.refreshCatalog(repo).catch((err: Error) =>
      this.events.emit('warning', { operation, message: `backup catalog table not updated (it is rebuilt at the next start): ${err.message}` }),
    );
  }

  /** Rebuilds the `backups` catalog table from the manifests; the repository stays the source of truth. */
  async refreshCatalog(repo?: Repository): Promise<void> {
    if (!(await exists(this.databasePath))) return;
    const summaries = await listBackups(repo ?? (await this.openRepository()));
    const db = new Database(this.databasePath, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      syncCatalog(db, summaries);
    } finally {
      db.close();
    }
  }
}
