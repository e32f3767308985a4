import type { Worker } from 'node:worker_threads';
import { ABORTED, CONSUMED, STATE, type SnapshotMessage, type SnapshotWorkerData } from './snapshot-protocol.ts';
import { startSiblingWorker } from './worker-url.ts';
import { BackupError } from './errors.ts';

export interface SnapshotMeta {
  pageSize: number;
  pageCount: number;
  /** Bytes per chunk: the requested size rounded down to whole pages. */
  chunkSize: number;
  /** PRAGMA user_version inside the snapshot. */
  schemaVersion: number;
  method: 'file' | 'serialize';
}

export interface HashedChunk {
  id: string;
  data: Buffer;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The database's bytes, in order, `chunkSize` at a time (aligned to pages), each with its SHA-256. */
  chunks: AsyncIterable<HashedChunk>;
  /** SHA-256 of the whole image; available once `chunks` has been read to the end. */
  sha256(): string;
  /** Resolves with integrity_check's answer ("ok" when healthy) for the same snapshot. */
  integrity: Promise<{ result: string; ms: number }>;
  /** Stops both workers (after a failure elsewhere in the pipeline). */
  abort(): Promise<void>;
}

const WINDOW = 16;

function startWorker(role: SnapshotWorkerData['role'], file: string, chunkSize: number, control: SharedArrayBuffer, check: 'full' | 'quick'): Worker {
  return startSiblingWorker('snapshot-worker', import.meta.url, {
    workerData: { role, file, chunkSize, control, window: WINDOW, check } satisfies SnapshotWorkerData,
  });
}

/** Runs integrity_check (or quick_check) on a database file off the main thread; resolves with its answer. */
export function checkDatabaseFile(file: string, check: 'full' | 'quick' = 'full'): Promise<{ result: string; ms: number }> {
  const worker = startWorker('file-checker', file, 0, new SharedArrayBuffer(8), check);
  return new Promise((resolve, reject) => {
    worker.on('message', (m: SnapshotMessage) => {
      if (m.type === 'integrity') resolve({ result: m.result, ms: m.ms });
      else if (m.type === 'error') reject(new BackupError('INTEGRITY_FAILED', `cannot check ${file}: ${m.message}`));
    });
    worker.once('error', (err) => reject(new BackupError('INTEGRITY_FAILED', `cannot check ${file}: ${err.message}`)));
    worker.once('exit', () => reject(new BackupError('INTEGRITY_FAILED', `integrity check of ${file} ended without an answer`)));
  });
}

/**
 * Opens a consistent snapshot of a live database off the main thread (see snapshot-worker.ts).
 * The reader waits whenever WINDOW chunks are unconsumed, so memory stays bounded however large
 * the database is.
 */
export async function openSnapshot(file: string, chunkSize: number, check: 'full' | 'quick' = 'full'): Promise<Snapshot> {
  const control = new SharedArrayBuffer(8);
  const counters = new Int32Array(control);
  const start = (role: SnapshotWorkerData['role']) => startWorker(role, file, chunkSize, control, check);
  const reader = start('reader');
  const checker = start('checker');

  const failure = (message: string) => new BackupError('IO', `snapshot of ${file} failed: ${message}`);
  const exitedEarly = (worker: Worker, what: string) =>
    new Promise<never>((_, reject) => {
      worker.once('error', (err) => reject(failure(err.message)));
      worker.once('exit', (code) => reject(failure(`${what} worker exited (${code}) before it finished`)));
    });

  const integrity = new Promise<{ result: string; ms: number }>((resolve, reject) => {
    checker.on('message', (m: SnapshotMessage) => {
      if (m.type === 'integrity') resolve({ result: m.result, ms: m.ms });
      else if (m.type === 'error') reject(failure(m.message));
    });
    exitedEarly(checker, 'integrity-check').catch(reject);
  });
  integrity.catch(() => undefined);

  // Messages from the reader, queued until the consumer asks for them.
  const queue: SnapshotMessage[] = [];
  let wake: (() => void) | undefined;
  let readerError: Error | undefined;
  reader.on('message', (m: SnapshotMessage) => {
    queue.push(m);
    wake?.();
  });
  exitedEarly(reader, 'reader').catch((err: Error) => {
    readerError = err;
    wake?.();
  });
  const next = async (): Promise<SnapshotMessage> => {
    while (queue.length === 0) {
      if (readerError) throw readerError;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return queue.shift()!;
  };

  const first = await next();
  if (first.type === 'error') {
    // One worker's failure aborts the other; report the one that is not merely "aborted".
    const checkerError = await integrity.then(
      () => null,
      (err: Error) => err,
    );
    await Promise.all([reader.terminate(), checker.terminate()]);
    if (first.message === ABORTED && checkerError) throw checkerError;
    throw failure(first.message);
  }
  if (first.type !== 'meta') throw failure(`unexpected message ${first.type}`);

  let sha256: string | undefined;
  async function* chunks(): AsyncGenerator<HashedChunk> {
    for (;;) {
      const m = await next();
      if (m.type === 'chunk') {
        Atomics.add(counters, CONSUMED, 1);
        Atomics.notify(counters, CONSUMED);
        yield { id: m.id, data: Buffer.from(m.data) };
      } else if (m.type === 'end') {
        sha256 = m.sha256;
        return;
      } else if (m.type === 'error') {
        throw failure(m.message);
      }
    }
  }

  return {
    meta: { pageSize: first.pageSize, pageCount: first.pageCount, chunkSize: first.chunkSize, schemaVersion: first.schemaVersion, method: first.method },
    chunks: chunks(),
    sha256() {
      if (!sha256) throw new Error('snapshot not read to the end');
      return sha256;
    },
    integrity,
    async abort() {
      Atomics.store(counters, STATE, -1);
      await Promise.all([reader.terminate(), checker.terminate()]);
    },
  };
}
