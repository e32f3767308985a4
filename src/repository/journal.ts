import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE, fsyncDir, mkdirDurable } from './atomic-file.ts';

/**
 * The repository's audit journal: one JSON record a line in `journal/audit.ndjson`, each
 * carrying the SHA-256 of the previous record, so that removing or editing a record breaks
 * the chain. It lives beside the backups so that rolling the database back does not roll back
 * the history of the restore itself.
 */
export interface JournalInput {
  ts: string;
  actor: string;
  action: string;
  target: string | null;
  result: 'success' | 'failure';
  error: string | null;
  details?: Record<string, unknown>;
}

export interface JournalRecord extends JournalInput {
  seq: number;
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);
const APPEND_LOCK_STALE_MS = 30_000;

function hashRecord(record: Omit<JournalRecord, 'hash'>): string {
  return crypto.createHash('sha256').update(JSON.stringify(record)).digest('hex');
}

/** One record a line; a partial last line (a crash in the middle of an append) was never acknowledged. */
function parseRecords(text: string): JournalRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalRecord];
      } catch {
        return [];
      }
    });
}

export class Journal {
  readonly file: string;
  private readonly lockFile: string;

  constructor(root: string) {
    this.file = path.join(root, 'journal', 'audit.ndjson');
    this.lockFile = path.join(root, 'journal', 'append.lock');
  }

  private async readText(): Promise<string> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  async read(): Promise<JournalRecord[]> {
    return parseRecords(await this.readText());
  }

  /** Appends a record; short-lived lock file so that concurrent processes keep one chain. */
  async append(input: JournalInput): Promise<JournalRecord> {
    await mkdirDurable(path.dirname(this.file));
    return this.withAppendLock(async () => {
      const text = await this.readText();
      const records = parseRecords(text);
      const last = records[records.length - 1];
      // A torn last line (crash mid-append) is closed off so the new record starts a line of its own.
      const separator = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
      const body: Omit<JournalRecord, 'hash'> = { seq: (last?.seq ?? 0) + 1, prev: last?.hash ?? GENESIS, ...input };
      const record: JournalRecord = { ...body, hash: hashRecord(body) };
      const handle = await fs.open(this.file, 'a', FILE_MODE);
      try {
        await handle.writeFile(`${separator}${JSON.stringify(record)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (text === '') await fsyncDir(path.dirname(this.file)); // the file is new
      return record;
    });
  }

  /** Checks the chain; returns the first broken record's sequence number, or null when intact. */
  async verify(): Promise<{ records: number; brokenAt: number | null }> {
    const records = await this.read();
    let prev = GENESIS;
    for (const r of records) {
      const { hash, ...body } = r;
      if (r.prev !== prev || hashRecord(body) !== hash) return { records: records.length, brokenAt: r.seq };
      prev = hash;
    }
    return { records: records.length, brokenAt: null };
  }

  private async withAppendLock<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const handle = await fs.open(this.lockFile, 'wx', FILE_MODE);
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const stat = await fs.stat(this.lockFile).catch(() => null);
        if (stat && Date.now() - stat.mtimeMs > APPEND_LOCK_STALE_MS) await fs.rm(this.lockFile, { force: true });
        if (Date.now() > deadline) throw new Error('audit journal is locked by another process');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await fs.rm(this.lockFile, { force: true });
    }
  }
}
