import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { churnDatabase } from '../../src/db/seed.ts';
import { chunkKey } from '../../src/repository/chunk-store.ts';
import { actor, tempDir, workspace } from '../helpers/workspace.ts';

/** Two backups sharing most chunks, and a chunk only the second one has. */
async function twoBackups() {
  const ws = workspace({ incidents: 3000 });
  const a = await ws.service.create({ ...actor, trigger: 'cli' });
  churnDatabase(ws.db, 0.05);
  const b = await ws.service.create({ ...actor, trigger: 'cli' });
  const shared = a.database.chunks.find((c) => b.database.chunks.includes(c))!;
  const onlyB = b.database.chunks.find((c) => !a.database.chunks.includes(c))!;
  return { ws, a, b, shared, onlyB, file: (id: string) => path.join(ws.repoPath, chunkKey(id)) };
}

describe('damaged repository', () => {
  it('a flipped byte is found by --read-data, names the affected backups, and restore refuses', async () => {
    const { ws, a, b, shared, file } = await twoBackups();
    const body = fs.readFileSync(file(shared));
    body[body.length - 3]! ^= 0xff;
    fs.writeFileSync(file(shared), body);

    const quick = await ws.service.verify({ ...actor });
    expect(quick.ok).toBe(true); // quick only sees that chunks exist
    const full = await ws.service.verify({ ...actor, readData: true });
    expect(full.ok).toBe(false);
    expect(full.problems).toHaveLength(1);
    expect(full.problems[0]).toMatchObject({ kind: 'corrupt-chunk', object: shared });
    expect(full.problems[0]!.affects.sort()).toEqual([a.id, b.id].sort());

    const target = path.join(tempDir(), 'restored.db');
    await expect(ws.service.restore({ ...actor, id: a.id, to: target })).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringContaining(shared),
    });
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });

  it('a missing chunk is found by the quick check and only the backups that need it are named', async () => {
    const { ws, b, onlyB, a, file } = await twoBackups();
    fs.rmSync(file(onlyB));
    const report = await ws.service.verify({ ...actor });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { kind: 'missing-chunk', object: onlyB, detail: `chunk ${onlyB} is missing`, affects: [b.id] },
    ]);
    // The other backup is unaffected and still restores.
    expect((await ws.service.verify({ ...actor, id: a.id, readData: true })).ok).toBe(true);
    await expect(ws.service.restore({ ...actor, id: b.id, to: path.join(tempDir(), 'b.db') })).rejects.toThrow(/is missing/);
  });

  it('a damaged manifest is reported and stops garbage collection from deleting what it might need', async () => {
    const { ws, a } = await twoBackups();
    fs.writeFileSync(path.join(ws.repoPath, 'manifests', `${a.id}.json`), '{"truncated":');
    const report = await ws.service.verify({ ...actor });
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'damaged-manifest', object: a.id }));
    // Nothing is removed while a manifest that might need the chunks cannot be read.
    const before = await ws.service.list(actor);
    await expect(ws.service.prune({ ...actor, policy: { keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, maxAgeDays: 1 } })).rejects.toThrow(
      /not removing anything: manifest\(s\) .* cannot be read/,
    );
    await expect(ws.service.delete({ ...actor, id: before[0]!.id })).rejects.toThrow(/not removing anything/);
    expect(await ws.service.list(actor)).toEqual(before);
  });

  it('a tampered audit journal breaks the hash chain', async () => {
    const { ws } = await twoBackups();
    const journal = path.join(ws.repoPath, 'journal', 'audit.ndjson');
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0]!);
    first.actor = 'someone-else';
    lines[0] = JSON.stringify(first);
    fs.writeFileSync(journal, `${lines.join('\n')}\n`);
    const report = await ws.service.verify({ ...actor });
    expect(report.ok).toBe(false);
    expect(report.journal.brokenAt).toBe(1);
  });
});
