import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../db/migrations.ts';
import { APP_NAME, APP_VERSION } from '../version.ts';
import { fsyncDir, tempName, FILE_MODE } from '../repository/atomic-file.ts';
import { ChunkCorruptError, ChunkMissingError, hashOf } from '../repository/chunk-store.ts';
import { LockBusyError, type HeldLock } from '../repository/lock.ts';
import {
  chunksOf,
  isBackupId,
  newBackupId,
  type BackupClass,
  type FileEntry,
  type Manifest,
  type Trigger,
} from '../repository/manifest.ts';
import { Repository, RepositoryError } from '../repository/repository.ts';
import { BackupError, describeIoError } from './errors.ts';
import { BackupEventEmitter, type Operation } from './events.ts';
import { listDataFiles, readInChunks, safeJoin } from './data-files.ts';
import { applyRetention, DEFAULT_RETENTION, type RetentionDecision, type RetentionPolicy } from './retention.ts';
import { checkDatabaseFile, openSnapshot } from './snapshot.ts';
import { syncCatalog } from './catalog.ts';

export interface BackupServiceOptions {
  /** The application database (WAL mode). Its directory is the data directory. */
  databasePath: string;
  /** The repository directory; created on the first backup. */
  repositoryPath: string;
  retention?: RetentionPolicy;
  /** integrity_check (default) or the faster quick_check. */
  check?: 'full' | 'quick';
}

export interface Caller {
  /** Who asked: "os:alice@host", "user:admin", "scheduler". */
  actor: string;
}

export interface CreateOptions extends Caller {
  trigger: Trigger;
  class?: BackupClass;
  tag?: string | null;
}

export interface BackupSummary {
  id: string;
  createdAt: string;
  class: BackupClass;
  trigger: Trigger;
  actor: string;
  tag: string | null;
  pinned: boolean;
  databaseBytes: number;
  logicalBytes: number;
  storedBytes: number;
  newBytes: number;
  sha256: string;
  integrity: string;
  durationMs: number;
  appVersion: string;
  schemaVersion: number;
  files: number;
}

export interface RestoreOptions extends Caller {
  id?: string;
  at?: string;
  to: string;
  force?: boolean;
  /** Restore the backed-up log and attachment files under the target's directory too (default true). */
  files?: boolean;
}

export interface RestoreResult {
  id: string;
  createdAt: string;
  path: string;
  bytes: number;
  sha256: string;
  integrity: string;
  files: number;
  durationMs: number;
  /** Set when the backup's schema is older and will be migrated forward when the application opens it. */
  note: string | null;
}

export interface VerifyProblem {
  kind: 'missing-chunk' | 'corrupt-chunk' | 'damaged-manifest';
  object: string;
  detail: string;
  affects: string[];
}

export interface VerifyReport {
  ok: boolean;
  readData: boolean;
  backups: number;
  chunks: number;
  bytesRead: number;
  problems: VerifyProblem[];
  journal: { records: number; brokenAt: number | null };
  durationMs: number;
}

export interface PruneResult {
  dryRun: boolean;
  decisions: RetentionDecision[];
  removed: string[];
  chunksRemoved: number;
  bytesFreed: number;
  durationMs: number;
}

const STORE_CONCURRENCY = 8;
const RESTORE_READ_AHEAD = 8;

/** The operating-system user running this process, as an audit actor. */
export function osActor(): string {
  return `os:${os.userInfo().username}@${os.hostname()}`;
}

function summarize(m: Manifest, pinned: boolean): BackupSummary {
  return {
    id: m.id,
    createdAt: m.createdAt,
    class: m.class,
    trigger: m.trigger,
    actor: m.actor,
    tag: m.tag,
    pinned,
    databaseBytes: m.database.size,
    logicalBytes: m.stats.logicalBytes,
    storedBytes: m.stats.storedBytes,
    newBytes: m.stats.newBytes,
    sha256: m.database.sha256,
    integrity: m.database.integrity,
    durationMs: m.stats.durationMs,
    appVersion: m.app.version,
    schemaVersion: m.app.schemaVersion,
    files: m.files.length,
  };
}

/** Accumulates what a backup stored, shared by the database and the file entries. */
interface StoreContext {
  seen: Set<string>;
  storedBytes: number;
  newBytes: number;
  newChunks: number;
}

/**
 * The backup engine. Server, CLI and scheduler all call this one class; it knows nothing of
 * HTTP. Every operation is recorded in the repository's hash-chained journal, failures too,
 * and announced through {@link BackupService.events}.
 */
export class BackupService {
  readonly events = new BackupEventEmitter();
  readonly databasePath: string;
  readonly repositoryPath: string;
  readonly dataDir: string;
  private readonly retention: RetentionPolicy;
  private readonly check: 'full' | 'quick';

  constructor(options: BackupServiceOptions) {
    this.databasePath = path.resolve(options.databasePath);
    this.repositoryPath = path.resolve(options.repositoryPath);
    this.dataDir = path.dirname(this.databasePath);
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.check = options.check ?? 'full';
  }

  // ---- helpers ------------------------------------------------------------------------------

  private async openRepository(): Promise<Repository> {
    try {
      return await Repository.open(this.repositoryPath);
    } catch (err) {
      throw this.translate(err, 'open repository');
    }
  }

  private translate(err: unknown, what: string): BackupError {
    if (err instanceof BackupError) return err;
    if (err instanceof LockBusyError) return new BackupError('BUSY', err.message);
    if (err instanceof RepositoryError) return new BackupError(err.code, err.message);
    if (err instanceof ChunkMissingError || err instanceof ChunkCorruptError) return new BackupError('CORRUPT', err.message);
    return describeIoError(err, what);
  }

  private validateId(id: string): void {
    if (!isBackupId(id)) {
      throw new BackupError('INVALID_ARGUMENT', `not a backup id: ${JSON.stringify(id)} (expected e.g. 2026-11-24T02:00:00Z-ab12)`);
    }
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
      // The work is done and stays done: a journal that cannot be written (a read-only copy of
      // the repository) is reported as a warning, never as a failure of the operation.
      await this.journal(operation, caller, finalTarget ?? target, 'success', null, { ...details, durationMs }).catch((err: Error) =>
        this.events.emit('warning', { operation, message: `not recorded in the audit journal: ${err.message}` }),
      );
      this.events.emit('succeeded', { operation, target: finalTarget ?? target, actor: caller.actor, durationMs, details });
      return result;
    } catch (err) {
      const error = this.translate(err, operation);
      const durationMs = Math.round(performance.now() - started);
      await this.journal(operation, caller, target, 'failure', error.message, { code: error.code, durationMs }).catch(() => undefined);
      this.events.emit('failed', { operation, target, actor: caller.actor, durationMs, error: error.message, code: error.code });
      throw error;
    }
  }

  private async journal(
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
    await repo.journal.append({ ts: new Date().toISOString(), actor: caller.actor, action: `backup.${operation}`, target, result, error, details });
  }

  private progress(operation: Operation, phase: string, done: number, total: number, unit: 'bytes' | 'chunks' | 'backups'): void {
    this.events.emit('progress', { operation, phase, done, total, unit });
  }

  private async withLock<T>(lock: Promise<HeldLock>, fn: () => Promise<T>): Promise<T> {
    const held = await lock;
    try {
      return await fn();
    } finally {
      await held.release();
    }
  }

  private async manifests(repo: Repository): Promise<{ manifests: Manifest[]; damaged: string[] }> {
    const manifests: Manifest[] = [];
    const damaged: string[] = [];
    for (const id of await repo.manifestIds()) {
      try {
        manifests.push(await repo.readManifest(id));
      } catch {
        damaged.push(id);
      }
    }
    return { manifests, damaged };
  }

  /** Writes chunks of one stream; returns their ids, the stream's SHA-256 and length. */
  private async storeStream(
    repo: Repository,
    source: AsyncIterable<Buffer>,
    ctx: StoreContext,
    onBytes: (bytes: number) => void,
  ): Promise<{ chunks: string[]; sha256: string; size: number }> {
    const whole = crypto.createHash('sha256');
    const chunks: string[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    let size = 0;
    for await (const chunk of source) {
      if (failure) throw failure;
      whole.update(chunk);
      const id = hashOf(chunk);
      chunks.push(id);
      size += chunk.byteLength;
      if (!ctx.seen.has(id)) {
        ctx.seen.add(id);
        const task = (async () => {
          const existing = await repo.chunks.storedSize(id);
          if (existing !== null) {
            ctx.storedBytes += existing;
            return;
          }
          const { stored } = await repo.chunks.put(id, chunk);
          ctx.storedBytes += stored;
          ctx.newBytes += stored;
          ctx.newChunks++;
        })().catch((err: unknown) => {
          failure ??= err;
        });
        inflight.add(task);
        void task.finally(() => inflight.delete(task));
        if (inflight.size >= STORE_CONCURRENCY) await Promise.race(inflight);
      }
      onBytes(size);
    }
    await Promise.all(inflight);
    if (failure) throw failure;
    return { chunks, sha256: whole.digest('hex'), size };
  }

  // ---- operations ---------------------------------------------------------------------------

  /** Takes a consistent snapshot of the live database (and the data files) and commits it as a new backup. */
  async create(options: CreateOptions): Promise<Manifest> {
    return this.run('create', options, null, async () => {
      try {
        await fs.access(this.databasePath);
      } catch {
        throw new BackupError('DATABASE_MISSING', `database not found: ${this.databasePath}`);
      }
      let repo: Repository;
      try {
        repo = await Repository.openOrInit(this.repositoryPath);
      } catch (err) {
        throw this.translate(err, `cannot use repository ${this.repositoryPath}`);
      }
      const manifest = await this.withLock(repo.locks.exclusive('backup'), async () => {
        await repo.storage.removeTemporaryFiles('chunks');
        return this.snapshotInto(repo, options);
      });
      await this.refreshCatalog(repo);
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

  private async snapshotInto(repo: Repository, options: CreateOptions): Promise<Manifest> {
    const started = performance.now();
    const createdAt = new Date();
    const ctx: StoreContext = { seen: new Set(), storedBytes: 0, newBytes: 0, newChunks: 0 };
    const chunkSize = repo.config.chunkSize;
    const snapshot = await openSnapshot(this.databasePath, chunkSize, this.check);
    const dbTotal = snapshot.meta.pageSize * snapshot.meta.pageCount;
    let stored: { chunks: string[]; sha256: string; size: number };
    try {
      stored = await this.storeStream(repo, snapshot.chunks, ctx, (done) => this.progress('create', 'database', done, dbTotal, 'bytes'));
    } catch (err) {
      await snapshot.abort();
      throw err;
    }
    const integrity = await snapshot.integrity;
    if (integrity.result !== 'ok') {
      throw new BackupError(
        'INTEGRITY_FAILED',
        `integrity check of the snapshot failed, backup not committed: ${integrity.result.split('\n').slice(0, 5).join('; ')}`,
      );
    }
    const schemaVersion = snapshot.meta.schemaVersion;

    const files: FileEntry[] = [];
    const dataFiles = await listDataFiles(this.dataDir);
    const filesTotal = dataFiles.reduce((n, f) => n + f.size, 0);
    let filesDone = 0;
    for (const file of dataFiles) {
      const before = filesDone;
      const result = await this.storeStream(repo, readInChunks(file, chunkSize), ctx, (done) =>
        this.progress('create', 'files', before + done, filesTotal, 'bytes'),
      );
      filesDone += result.size;
      files.push({ path: file.path, size: result.size, mode: file.mode, mtime: file.mtime, sha256: result.sha256, chunks: result.chunks });
    }

    // Every chunk must be durable before the manifest that names it exists.
    this.progress('create', 'commit', 0, 1, 'chunks');
    await repo.chunks.flush();
    const manifest: Manifest = {
      format: 1,
      id: newBackupId(createdAt),
      createdAt: createdAt.toISOString(),
      trigger: options.trigger,
      class: options.class ?? (options.trigger === 'pre-restore' ? 'pre-restore' : 'manual'),
      actor: options.actor,
      tag: options.tag ?? null,
      app: { name: APP_NAME, version: APP_VERSION, schemaVersion },
      tool: { node: process.version, sqlite: sqliteVersion() },
      database: {
        name: path.basename(this.databasePath),
        pageSize: snapshot.meta.pageSize,
        pageCount: snapshot.meta.pageCount,
        size: stored.size,
        sha256: stored.sha256,
        chunkSize,
        chunks: stored.chunks,
        integrity: integrity.result,
        snapshotMethod: snapshot.meta.method,
      },
      files,
      stats: {
        logicalBytes: stored.size + filesDone,
        storedBytes: ctx.storedBytes,
        newBytes: ctx.newBytes,
        chunks: ctx.seen.size,
        newChunks: ctx.newChunks,
        durationMs: Math.round(performance.now() - started),
        codec: repo.config.codec,
      },
      wal: null,
    };
    await repo.writeManifest(manifest);
    this.progress('create', 'commit', 1, 1, 'chunks');
    return manifest;
  }

  /** Every backup, newest first. */
  async list(): Promise<BackupSummary[]> {
    return this.listFrom(await this.openRepository());
  }

  async show(id: string): Promise<{ manifest: Manifest; summary: BackupSummary }> {
    this.validateId(id);
    const repo = await this.openRepository();
    try {
      const manifest = await repo.readManifest(id);
      return { manifest, summary: summarize(manifest, await repo.isPinned(id)) };
    } catch (err) {
      throw this.translate(err, `read backup ${id}`);
    }
  }

  /** The newest backup created at or before `at`. */
  async resolveAt(at: string): Promise<BackupSummary> {
    const when = Date.parse(at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(at) || Number.isNaN(when)) {
      throw new BackupError('INVALID_ARGUMENT', `not an ISO 8601 time: ${JSON.stringify(at)} (e.g. 2026-11-24T02:30:00Z)`);
    }
    const backups = await this.list();
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
      if (options.id) this.validateId(options.id);
      else if (!options.at) throw new BackupError('INVALID_ARGUMENT', 'give a backup id or a point in time (--at)');
      if (target === this.databasePath) {
        throw new BackupError(
          'INVALID_ARGUMENT',
          `refusing to restore over the live database ${target}; restore to another path, stop the application and swap the files (docs/runbook-disaster-recovery.md)`,
        );
      }
      if (!options.force && (await exists(target))) {
        throw new BackupError('TARGET_EXISTS', `${target} exists; pass --force to replace it`);
      }
      const repo = await this.openRepository();
      const result = await this.withLock(repo.locks.shared(`restore to ${target}`), async () => {
        const id = options.id ?? (await this.resolveAt(options.at!)).id;
        const manifest = await repo.readManifest(id).catch((err: unknown) => {
          throw this.translate(err, `read backup ${id}`);
        });
        return this.restoreManifest(repo, manifest, target, options);
      });
      return { result, target: result.id, details: { to: target, bytes: result.bytes, sha256: result.sha256, files: result.files } };
    });
  }

  private async restoreManifest(repo: Repository, manifest: Manifest, target: string, options: RestoreOptions): Promise<RestoreResult> {
    const started = performance.now();
    if (manifest.app.schemaVersion > SCHEMA_VERSION) {
      throw new BackupError(
        'INCOMPATIBLE',
        `backup ${manifest.id} has schema version ${manifest.app.schemaVersion} (app ${manifest.app.version}); this build understands up to ${SCHEMA_VERSION}. Restore it with ITSM-Sec Nexus ${manifest.app.version} or newer`,
      );
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const tmp = tempName(target);
    try {
      const sha256 = await this.assemble(repo, manifest.database.chunks, tmp, manifest.database.size, 'database');
      if (sha256 !== manifest.database.sha256) {
        throw new BackupError('CORRUPT', `restored database does not match the backup's SHA-256 (${sha256} ≠ ${manifest.database.sha256})`);
      }
      this.progress('restore', 'integrity', 0, 1, 'chunks');
      const integrity = await checkDatabaseFile(tmp, this.check);
      if (integrity.result !== 'ok') {
        throw new BackupError('INTEGRITY_FAILED', `restored database fails the integrity check: ${integrity.result.split('\n')[0]}`);
      }
      this.progress('restore', 'integrity', 1, 1, 'chunks');
      // A -wal left beside the old file would be replayed into the restored one: remove it first.
      await fs.rm(`${target}-wal`, { force: true });
      await fs.rm(`${target}-shm`, { force: true });
      await fs.rename(tmp, target);
      await fsyncDir(path.dirname(target));
      let files = 0;
      if (options.files !== false) files = await this.restoreFiles(repo, manifest, path.dirname(target), options.force ?? false);
      return {
        id: manifest.id,
        createdAt: manifest.createdAt,
        path: target,
        bytes: manifest.database.size,
        sha256,
        integrity: integrity.result,
        files,
        durationMs: Math.round(performance.now() - started),
        note:
          manifest.app.schemaVersion < SCHEMA_VERSION
            ? `backup has schema version ${manifest.app.schemaVersion}; the application migrates it to ${SCHEMA_VERSION} when it opens the file`
            : null,
      };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Writes chunks in order to `file` (0600), reading ahead in parallel; returns the SHA-256 of what was written. */
  private async assemble(repo: Repository, chunks: string[], file: string, total: number, phase: string): Promise<string> {
    const handle = await fs.open(file, 'wx', FILE_MODE);
    const whole = crypto.createHash('sha256');
    try {
      const pending: Promise<Buffer>[] = [];
      let next = 0;
      let done = 0;
      const fill = () => {
        while (pending.length < RESTORE_READ_AHEAD && next < chunks.length) {
          const p = repo.chunks.get(chunks[next++]!);
          p.catch(() => undefined);
          pending.push(p);
        }
      };
      fill();
      while (pending.length > 0) {
        const data = await pending.shift()!;
        fill();
        whole.update(data);
        await handle.write(data);
        done += data.byteLength;
        this.progress('restore', phase, done, total, 'bytes');
      }
      await handle.sync();
    } catch (err) {
      throw this.translate(err, `restore to ${file}`);
    } finally {
      await handle.close();
    }
    return whole.digest('hex');
  }

  private async restoreFiles(repo: Repository, manifest: Manifest, root: string, force: boolean): Promise<number> {
    let restored = 0;
    for (const entry of manifest.files) {
      const target = safeJoin(root, entry.path);
      if (!force && (await exists(target))) continue;
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const tmp = tempName(target);
      try {
        const sha = await this.assemble(repo, entry.chunks, tmp, entry.size, 'files');
        if (sha !== entry.sha256) throw new BackupError('CORRUPT', `restored ${entry.path} does not match its SHA-256`);
        await fs.rename(tmp, target);
      } finally {
        await fs.rm(tmp, { force: true });
      }
      restored++;
    }
    if (restored > 0) await fsyncDir(root);
    return restored;
  }

  /**
   * Checks the repository. Quick: every manifest parses and every chunk it names exists.
   * With `readData`: every chunk is read, decompressed and hashed. Problems name the backups they affect.
   */
  async verify(options: Caller & { id?: string; readData?: boolean }): Promise<VerifyReport> {
    return this.run('verify', options, options.id ?? null, async () => {
      if (options.id) this.validateId(options.id);
      const started = performance.now();
      const repo = await this.openRepository();
      const report = await this.withLock(repo.locks.shared('verify'), async () => {
        const problems: VerifyProblem[] = [];
        let manifests: Manifest[];
        if (options.id) {
          manifests = [await repo.readManifest(options.id).catch((err: unknown) => {
            throw this.translate(err, `read backup ${options.id}`);
          })];
        } else {
          const all = await this.manifests(repo);
          manifests = all.manifests;
          for (const id of all.damaged) problems.push({ kind: 'damaged-manifest', object: id, detail: 'manifest cannot be read', affects: [id] });
        }
        const users = new Map<string, string[]>();
        for (const m of manifests) for (const c of chunksOf(m)) (users.get(c) ?? users.set(c, []).get(c)!).push(m.id);
        const ids = [...users.keys()];
        let checked = 0;
        let bytesRead = 0;
        const check = async (id: string) => {
          try {
            if (options.readData) {
              const data = await repo.chunks.get(id);
              bytesRead += data.byteLength;
            }
            else if ((await repo.chunks.storedSize(id)) === null) throw new ChunkMissingError(id);
          } catch (err) {
            const kind = err instanceof ChunkMissingError ? 'missing-chunk' : 'corrupt-chunk';
            problems.push({ kind, object: id, detail: (err as Error).message, affects: users.get(id)! });
          }
          this.progress('verify', options.readData ? 'read-data' : 'exists', ++checked, ids.length, 'chunks');
        };
        for (let i = 0; i < ids.length; i += RESTORE_READ_AHEAD) await Promise.all(ids.slice(i, i + RESTORE_READ_AHEAD).map(check));
        const journal = await repo.journal.verify();
        return {
          ok: problems.length === 0 && journal.brokenAt === null,
          readData: options.readData ?? false,
          backups: manifests.length,
          chunks: ids.length,
          bytesRead,
          problems,
          journal,
          durationMs: Math.round(performance.now() - started),
        } satisfies VerifyReport;
      });
      return { result: report, details: { ok: report.ok, problems: report.problems.length, readData: report.readData } };
    });
  }

  /** Deletes one backup (refused while pinned) and the chunks no other backup needs. */
  async delete(options: Caller & { id: string }): Promise<{ id: string; chunksRemoved: number; bytesFreed: number }> {
    return this.run('delete', options, options.id, async () => {
      this.validateId(options.id);
      const repo = await this.openRepository();
      const result = await this.withLock(repo.locks.exclusive('delete', { removesData: true }), async () => {
        await repo.readManifest(options.id).catch((err: unknown) => {
          throw this.translate(err, `read backup ${options.id}`);
        });
        if (await repo.isPinned(options.id)) throw new BackupError('PINNED', `backup ${options.id} is pinned; unpin it first`);
        await repo.deleteManifest(options.id);
        const gc = await this.collectGarbage(repo);
        return { id: options.id, ...gc };
      });
      await this.refreshCatalog(repo);
      return { result, details: { chunksRemoved: result.chunksRemoved, bytesFreed: result.bytesFreed } };
    });
  }

  async pin(options: Caller & { id: string; pinned: boolean }): Promise<BackupSummary> {
    return this.run('pin', options, options.id, async () => {
      this.validateId(options.id);
      const repo = await this.openRepository();
      const manifest = await repo.readManifest(options.id).catch((err: unknown) => {
        throw this.translate(err, `read backup ${options.id}`);
      });
      await repo.setPinned(options.id, options.pinned);
      await this.refreshCatalog(repo);
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
      const policy = options.policy ?? this.retention;
      const work = async (): Promise<PruneResult> => {
        const backups = await this.list();
        const decisions = applyRetention(backups, policy, options.now);
        const doomed = decisions.filter((d) => !d.keep).map((d) => d.id);
        if (options.dryRun) {
          const bytesFreed = await this.estimateFreed(repo, doomed);
          return { dryRun: true, decisions, removed: doomed, chunksRemoved: 0, bytesFreed, durationMs: Math.round(performance.now() - started) };
        }
        await this.assertNewestBackupSucceeded(repo, backups[0]?.createdAt);
        for (const [i, id] of doomed.entries()) {
          await repo.storage.delete(`manifests/${id}.json`);
          this.progress('prune', 'manifests', i + 1, doomed.length, 'backups');
        }
        await repo.storage.flush(['manifests']);
        const gc = await this.collectGarbage(repo);
        return { dryRun: false, decisions, removed: doomed, ...gc, durationMs: Math.round(performance.now() - started) };
      };
      const result = options.dryRun ? await work() : await this.withLock(repo.locks.exclusive('prune', { removesData: true }), work);
      if (!options.dryRun) await this.refreshCatalog(repo);
      return { result, details: { dryRun: result.dryRun, removed: result.removed, bytesFreed: result.bytesFreed } };
    });
  }

  private async assertNewestBackupSucceeded(repo: Repository, newestBackupAt: string | undefined): Promise<void> {
    const records = await repo.journal.read();
    const lastCreate = records.filter((r) => r.action === 'backup.create').pop();
    if (lastCreate?.result === 'failure' && (!newestBackupAt || lastCreate.ts > newestBackupAt)) {
      throw new BackupError(
        'REFUSED',
        `the newest backup attempt failed at ${lastCreate.ts} (${lastCreate.error}); not pruning until a backup succeeds`,
      );
    }
  }

  private async estimateFreed(repo: Repository, doomed: string[]): Promise<number> {
    const { manifests } = await this.manifests(repo);
    const gone = new Set(doomed);
    const kept = new Set<string>();
    for (const m of manifests) if (!gone.has(m.id)) for (const c of chunksOf(m)) kept.add(c);
    let bytes = 0;
    const counted = new Set<string>();
    for (const m of manifests) {
      if (!gone.has(m.id)) continue;
      for (const c of chunksOf(m)) {
        if (kept.has(c) || counted.has(c)) continue;
        counted.add(c);
        bytes += (await repo.chunks.storedSize(c)) ?? 0;
      }
    }
    return bytes;
  }

  /** Removes chunks that no manifest refers to. Refuses to run when a manifest cannot be read. */
  private async collectGarbage(repo: Repository): Promise<{ chunksRemoved: number; bytesFreed: number }> {
    const { manifests, damaged } = await this.manifests(repo);
    if (damaged.length > 0) {
      throw new BackupError('CORRUPT', `not collecting garbage: manifest(s) ${damaged.join(', ')} cannot be read`);
    }
    const live = new Set<string>();
    for (const m of manifests) for (const c of chunksOf(m)) live.add(c);
    const all = await repo.chunks.list();
    let chunksRemoved = 0;
    let bytesFreed = 0;
    for (const id of all) {
      if (live.has(id)) continue;
      bytesFreed += (await repo.chunks.storedSize(id)) ?? 0;
      await repo.chunks.delete(id);
      chunksRemoved++;
      this.progress('prune', 'chunks', chunksRemoved, all.length - live.size, 'chunks');
    }
    await repo.chunks.flush();
    return { chunksRemoved, bytesFreed };
  }

  /** Rebuilds the `backups` catalog table from the manifests; the repository stays the source of truth. */
  async refreshCatalog(repo?: Repository): Promise<void> {
    if (!(await exists(this.databasePath))) return;
    const summaries = await this.listFrom(repo ?? (await this.openRepository()));
    const db = new Database(this.databasePath, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      syncCatalog(db, summaries);
    } finally {
      db.close();
    }
  }

  private async listFrom(repo: Repository): Promise<BackupSummary[]> {
    const { manifests } = await this.manifests(repo);
    const out: BackupSummary[] = [];
    for (const m of manifests) out.push(summarize(m, await repo.isPinned(m.id)));
    return out.reverse();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

let cachedSqliteVersion: string | undefined;
function sqliteVersion(): string {
  if (!cachedSqliteVersion) {
    const db = new Database(':memory:');
    cachedSqliteVersion = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
  }
  return cachedSqliteVersion;
}
