import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { churnDatabase } from '../../src/db/seed.ts';
import { actor, dump, tempDir, workspace } from '../helpers/workspace.ts';
import { startFixture, waitForLine } from '../helpers/child.ts';

async function killMidway(operation: string, dbPath: string, repoPath: string, phase: string, after: number): Promise<void> {
  const child = startFixture('run-operation.ts', [operation, dbPath, repoPath, phase, String(after)]);
  await waitForLine(child, /^PAUSED$/);
  child.process.kill('SIGKILL');
  await child.exit;
}

describe('crash safety (kill -9)', () => {
  it('a backup killed half-way leaves a repository that verifies clean, and the next backup succeeds', async () => {
    const ws = workspace({ incidents: 12000, logs: true });
    const before = await ws.service.create({ ...actor, trigger: 'cli' });
    churnDatabase(ws.db, 0.2);
    await killMidway('create', ws.dbPath, ws.repoPath, 'database', 4 * 1024 * 1024);
    // The dead process's lock is still there.
    expect(fs.existsSync(path.join(ws.repoPath, 'locks', 'exclusive.json'))).toBe(true);

    const warnings: string[] = [];
    ws.service.events.on('warning', (w) => warnings.push(w.message));
    const quick = await ws.service.verify({ ...actor });
    const full = await ws.service.verify({ ...actor, readData: true });
    expect(quick.problems).toEqual([]);
    expect(full.ok).toBe(true);
    expect((await ws.service.list(actor)).map((b) => b.id)).toEqual([before.id]);

    const after = await ws.service.create({ ...actor, trigger: 'cli' });
    const out = path.join(tempDir(), 'after.db');
    await ws.service.restore({ ...actor, id: after.id, to: out });
    expect(dump(out)).toEqual(dump(ws.dbPath));
    // The first verify cleared the dead process's lock, and said so; nothing was left for the rest.
    expect(warnings).toEqual([expect.stringMatching(/^removed a stale lock: backup by .* \(pid \d+ on /)]);
    expect(fs.readdirSync(path.join(ws.repoPath, 'chunks'), { recursive: true }).filter((n) => String(n).includes('.tmp-'))).toEqual([]);
  });

  it('a prune killed while removing chunks leaves every remaining backup restorable', async () => {
    const ws = workspace({ incidents: 6000 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await ws.service.create({ ...actor, trigger: 'cli' })).id);
      churnDatabase(ws.db, 0.3, i);
    }
    const latest = await ws.service.create({ ...actor, trigger: 'cli' });
    const expected = dump(ws.dbPath);
    await killMidway('prune', ws.dbPath, ws.repoPath, 'chunks', 3);

    expect((await ws.service.list(actor)).map((b) => b.id)).toEqual([latest.id]);
    const report = await ws.service.verify({ ...actor, readData: true });
    expect(report.problems).toEqual([]);
    const out = path.join(tempDir(), 'latest.db');
    await ws.service.restore({ ...actor, id: latest.id, to: out });
    expect(dump(out)).toEqual(expected);

    // The next prune finishes the garbage collection the killed one started.
    const again = await ws.service.prune({ ...actor });
    expect(again.chunksRemoved).toBeGreaterThan(0);
    expect((await ws.service.prune({ ...actor })).chunksRemoved).toBe(0);
    expect((await ws.service.create({ ...actor, trigger: 'cli' })).database.integrity).toBe('ok');
  });
});
