import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { actor, dump, tempDir, workspace } from '../helpers/workspace.ts';
import { startFixture, waitForLine } from '../helpers/child.ts';

function batches(file: string): { batch: string; n: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT title AS batch, count(*) AS n FROM incidents WHERE title LIKE 'batch %' GROUP BY title").all() as {
      batch: string;
      n: number;
    }[];
  } finally {
    db.close();
  }
}

describe('snapshot of a live database', () => {
  it('is consistent while another process keeps committing', async () => {
    const ws = workspace({ incidents: 5000 });
    const writer = startFixture('writer.ts', [ws.dbPath, '60']);
    let inSecond = 0;
    try {
      await waitForLine(writer, /committed 5/);
      const first = await ws.service.create({ ...actor, trigger: 'cli' });
      const second = await ws.service.create({ ...actor, trigger: 'cli' });
      await waitForLine(writer, /committed \d+/, writer.stdout.length);
      for (const m of [first, second]) {
        const out = path.join(tempDir(), 'restored.db');
        await ws.service.restore({ ...actor, id: m.id, to: out });
        const seen = batches(out);
        expect(seen.length).toBeGreaterThanOrEqual(5);
        // All or nothing: a snapshot never holds part of a transaction.
        expect(seen.every((b) => b.n === 10)).toBe(true);
        inSecond = seen.length;
      }
    } finally {
      writer.process.kill('SIGTERM');
      await writer.exit;
    }
    // The writer was never blocked for long: it went on committing after the backups.
    expect(batches(ws.dbPath).length).toBeGreaterThan(inSecond);
  });

  it('falls back to reading through SQLite when a long reader blocks the checkpoint', async () => {
    const ws = workspace({ incidents: 1000 });
    const oldReader = new Database(ws.dbPath, { readonly: true });
    oldReader.exec('BEGIN');
    oldReader.prepare('SELECT count(*) FROM incidents').get();
    // Committed after the old reader's snapshot: these frames cannot be checkpointed yet.
    ws.db.prepare("UPDATE incidents SET title = 'changed while pinned' WHERE id <= 50").run();
    const expected = dump(ws.dbPath);
    const m = await ws.service.create({ ...actor, trigger: 'cli' });
    oldReader.exec('COMMIT');
    oldReader.close();
    expect(m.database.snapshotMethod).toBe('serialize');
    const out = path.join(tempDir(), 'restored.db');
    await ws.service.restore({ ...actor, id: m.id, to: out });
    expect(dump(out)).toEqual(expected);
  });

  it('reads the database file directly when the WAL is fully checkpointed', async () => {
    const ws = workspace({ incidents: 1000 });
    const m = await ws.service.create({ ...actor, trigger: 'cli' });
    expect(m.database.snapshotMethod).toBe('file');
  });
});
