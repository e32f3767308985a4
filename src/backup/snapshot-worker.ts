/**
 * Worker threads that take a consistent snapshot of a live WAL-mode database.
 *
 * Two workers share one snapshot: the "reader" streams the database's pages in chunks to the
 * main thread, the "checker" runs PRAGMA integrity_check on the very same snapshot at the same
 * time. Both open their read transaction while a third connection holds the write lock for a
 * moment, so no commit can fall between them.
 *
 * Fast path: with the write lock held, a PASSIVE checkpoint that copies every WAL frame into the
 * database file means the file itself is the snapshot, and stays so while our read transaction
 * pins it (the checkpointer never copies frames newer than a reader's mark). Reading the file
 * with a small reused buffer runs at page-cache speed. When the checkpoint cannot complete (a
 * long-running reader elsewhere), the reader falls back to sqlite3_serialize(), which reads
 * through SQLite's pager: always consistent, but slower and needing memory for the whole file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ABORTED, CONSUMED, STATE, type SnapshotMessage, type SnapshotWorkerData } from './snapshot-protocol.ts';

// Handshake states. The write lock is taken only once both workers have their connections open,
// so writers wait for milliseconds, not for a worker thread to start.
const CHECKER_READY = 1;
const READER_PINNED = 2;
const CHECKER_PINNED = 3;
const HANDSHAKE_TIMEOUT_MS = 30_000;

function post(message: SnapshotMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

function waitFor(control: Int32Array, state: number): void {
  const deadline = Date.now() + HANDSHAKE_TIMEOUT_MS;
  while (Atomics.load(control, STATE) !== state) {
    if (Atomics.load(control, STATE) < 0) throw new Error(ABORTED);
    if (Date.now() > deadline) throw new Error('snapshot handshake timed out');
    Atomics.wait(control, STATE, Atomics.load(control, STATE), 100);
  }
}

function open(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return db;
}

/** Starts a read transaction: BEGIN is lazy, the first read takes the snapshot. */
function beginRead(db: Database.Database): void {
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
}

function runReader(data: SnapshotWorkerData, control: Int32Array): void {
  const writer = open(data.file);
  const checkpointer = open(data.file);
  const reader = open(data.file);
  reader.pragma('query_only = 1');
  let method: 'file' | 'serialize';
  waitFor(control, CHECKER_READY);
  writer.exec('BEGIN IMMEDIATE');
  try {
    const journal = String(reader.pragma('journal_mode', { simple: true }));
    if (journal === 'wal') {
      const [row] = checkpointer.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      method = row && row.busy === 0 && row.log === row.checkpointed ? 'file' : 'serialize';
    } else {
      // Rollback-journal mode: the write lock keeps writers out, but a reader holding a shared
      // lock still keeps the file unchanged only while we read; serialize() is the safe path.
      method = 'serialize';
    }
    beginRead(reader);
    Atomics.store(control, STATE, READER_PINNED);
    Atomics.notify(control, STATE);
    waitFor(control, CHECKER_PINNED);
  } finally {
    writer.exec('ROLLBACK');
    writer.close();
    checkpointer.close();
  }
  const pageSize = reader.pragma('page_size', { simple: true }) as number;
  const pageCount = reader.pragma('page_count', { simple: true }) as number;
  const schemaVersion = reader.pragma('user_version', { simple: true }) as number;
  // Chunks hold whole pages, so that a changed page changes exactly one chunk.
  const chunkSize = Math.max(data.chunkSize - (data.chunkSize % pageSize), pageSize);
  post({ type: 'meta', pageSize, pageCount, chunkSize, schemaVersion, method });
  const total = pageSize * pageCount;
  const waitForCredit = (sent: number) => {
    while (sent - Atomics.load(control, CONSUMED) >= data.window) {
      Atomics.wait(control, CONSUMED, Atomics.load(control, CONSUMED), 1000);
    }
  };
  const whole = crypto.createHash('sha256');
  const send = (index: number, buffer: ArrayBuffer) => {
    const view = new Uint8Array(buffer);
    whole.update(view);
    const id = crypto.createHash('sha256').update(view).digest('hex');
    post({ type: 'chunk', index, id, data: buffer }, [buffer]);
  };
  let index = 0;
  if (method === 'file') {
    const fd = fs.openSync(data.file, 'r');
    try {
      for (let offset = 0; offset < total; offset += chunkSize, index++) {
        waitForCredit(index);
        const length = Math.min(chunkSize, total - offset);
        const buffer = new ArrayBuffer(length);
        const view = new Uint8Array(buffer);
        let got = 0;
        while (got < length) {
          const n = fs.readSync(fd, view, got, length - got, offset + got);
          if (n === 0) throw new Error(`database file ended at ${offset + got} bytes, expected ${total}`);
          got += n;
        }
        send(index, buffer);
      }
    } finally {
      fs.closeSync(fd);
    }
  } else {
    const image = reader.serialize();
    if (image.length !== total) throw new Error(`serialized ${image.length} bytes, expected ${total}`);
    for (let offset = 0; offset < total; offset += chunkSize, index++) {
      waitForCredit(index);
      const slice = image.subarray(offset, Math.min(offset + chunkSize, total));
      send(index, slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength) as ArrayBuffer);
    }
  }
  reader.exec('COMMIT');
  reader.close();
  post({ type: 'end', sha256: whole.digest('hex') });
}

function runChecker(data: SnapshotWorkerData, control: Int32Array): void {
  const db = open(data.file);
  db.pragma('query_only = 1');
  if (data.role === 'checker') {
    Atomics.store(control, STATE, CHECKER_READY);
    Atomics.notify(control, STATE);
    waitFor(control, READER_PINNED);
  }
  beginRead(db);
  Atomics.store(control, STATE, CHECKER_PINNED);
  Atomics.notify(control, STATE);
  const started = performance.now();
  let result: string;
  try {
    const rows = db.pragma(data.check === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[];
    result = rows.map((r) => Object.values(r)[0]).join('\n');
  } catch (err) {
    // Damage bad enough makes the check itself fail (SQLITE_CORRUPT): that is its answer too.
    result = `check aborted: ${(err as Error).message}`;
  }
  // Closing ends the read transaction, also when a failed check has already rolled it back.
  db.close();
  post({ type: 'integrity', result, ms: Math.round(performance.now() - started) });
}

const data = workerData as SnapshotWorkerData;
const control = new Int32Array(data.control);
try {
  if (data.role === 'reader') runReader(data, control);
  else runChecker(data, control);
} catch (err) {
  Atomics.store(control, STATE, -1);
  Atomics.notify(control, STATE);
  const e = err as { message?: string; code?: string };
  post({ type: 'error', message: e.message ?? String(err), code: e.code });
}
