import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { dump, tempDir, workspace } from '../helpers/workspace.ts';

interface Run {
  code: number;
  out: string;
  err: string;
}

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

/** Runs `nexus …` in-process against a workspace, as a pipe (no TTY). */
async function nexus(ws: { dbPath: string; repoPath: string }, ...args: string[]): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCli(['--db', ws.dbPath, '--repo', ws.repoPath, ...args], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
  });
  return { code, out: out(), err: err() };
}

describe('nexus backup (CLI)', () => {
  it('creates, lists, shows, verifies and restores, with --json for machines', async () => {
    const ws = workspace({ incidents: 800, logs: true });
    const created = await nexus(ws, 'backup', 'create', '--tag', 'nightly', '--json');
    expect(created.code).toBe(0);
    const c = JSON.parse(created.out);
    expect(c).toMatchObject({ integrity: 'ok', files: 2, databaseBytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const human = await nexus(ws, 'backup', 'create');
    expect(human.out).toMatch(/^backup \S+ created in /);
    expect(human.err).toBe(''); // no progress bar in a pipe

    const list = await nexus(ws, 'backup', 'list', '--json');
    const rows = JSON.parse(list.out);
    expect(rows.map((r: { id: string }) => r.id)).toContain(c.id);
    expect(rows.find((r: { id: string }) => r.id === c.id).tag).toBe('nightly');
    const table = await nexus(ws, 'backup', 'list');
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+CREATED\s+CLASS\s+TRIGGER\s+DB SIZE\s+ADDED\s+INTEGRITY\s+PIN\s+TAG$/);

    const show = await nexus(ws, 'backup', 'show', c.id);
    expect(show.out).toContain(`sha256     ${c.sha256}`);
    const showJson = JSON.parse((await nexus(ws, 'backup', 'show', c.id, '--json')).out);
    expect(showJson.database.chunks.length).toBeGreaterThan(0);

    const verify = await nexus(ws, 'backup', 'verify', '--read-data');
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/^OK: 2 backup\(s\)/);

    const to = path.join(tempDir(), 'restored', 'itsm_nexus.db');
    const restored = await nexus(ws, 'backup', 'restore', c.id, '--to', to, '--json');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.out)).toMatchObject({ id: c.id, sha256: c.sha256, integrity: 'ok', files: 2 });
    expect(dump(to).incidents).toHaveLength(800);

    const again = await nexus(ws, 'backup', 'restore', c.id, '--to', to);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/exists; pass --force/);

    const at = await nexus(ws, 'backup', 'restore', '--at', '2999-01-01T00:00:00Z', '--to', to, '--force');
    expect(at.code).toBe(0);
    expect(at.err).toMatch(/--at 2999-01-01T00:00:00Z: using backup /);

    // Every operation, failures included, is in the repository's audit journal under the OS user.
    const journal = fs.readFileSync(path.join(ws.repoPath, 'journal', 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const changes = journal.filter((r) => !['backup.list', 'backup.show'].includes(r.action));
    expect(changes.map((r) => `${r.action} ${r.result}`)).toEqual([
      'backup.create success',
      'backup.create success',
      'backup.verify success',
      'backup.restore success',
      'backup.restore failure',
      'backup.restore success',
    ]);
    expect(journal.filter((r) => r.action === 'backup.list')).toHaveLength(2);
    expect(journal.filter((r) => r.action === 'backup.show').map((r) => r.target)).toEqual([c.id, c.id]);
    expect(journal.every((r) => /^os:[^@]+@.+/.test(r.actor))).toBe(true);
    expect(changes[4].error).toMatch(/exists; pass --force/);
  });

  it('answers bad usage with exit 2 and one clear line', async () => {
    const ws = workspace({ incidents: 50 });
    const cases: [string[], RegExp][] = [
      [['backup', 'bogus'], /unknown command 'bogus'/],
      [['backup', 'create', '--frobnicate'], /unknown option '--frobnicate'/],
      [['backup', 'show'], /missing required argument 'id'/],
      [['backup', 'show', '../../etc/passwd'], /not a backup id/],
      [['backup', 'restore', '--to', 'x.db'], /either a backup id or --at/],
      [['backup', 'restore', '2026-01-01T00:00:00Z-abcd'], /required option '--to <path>'/],
      [['backup', 'restore', '--at', 'last tuesday', '--to', 'x.db'], /not an ISO 8601 date and time/],
      [['backup', 'restore', '--at', '2026-11-24', '--to', 'x.db'], /not an ISO 8601 date and time/],
      [['backup'], /Usage: nexus backup/],
      [['backup', 'list', '--bogus'], /unknown option '--bogus'/],
      [['backup', 'verify', 'nope'], /not a backup id/],
      [['backup', 'pin', 'nope'], /not a backup id/],
      [['backup', 'unpin'], /missing required argument 'id'/],
      [['backup', 'delete', 'nope', '--yes'], /not a backup id/],
      [['backup', 'prune', '--max-age-days', '0'], /bad retention policy/],
      [['db', 'seed', '--incidents', '-5'], /unknown option|must be a whole number/],
      [['--db'], /argument missing/],
      [['backup', 'prune', '--keep-daily', 'many'], /must be a whole number/],
      [['backup', 'create', '--tag', 'a/b'], /--tag takes/],
    ];
    for (const [args, message] of cases) {
      const r = await nexus(ws, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    }
    expect(fs.existsSync(ws.repoPath)).toBe(false);
  });

  it('fails with exit 1 and one line when the database or the repository is missing', async () => {
    const dir = tempDir();
    const ws = { dbPath: path.join(dir, 'missing.db'), repoPath: path.join(dir, 'repo') };
    const create = await nexus(ws, 'backup', 'create');
    expect(create).toEqual({ code: 1, out: '', err: `nexus: database not found: ${ws.dbPath}\n` });
    const list = await nexus(ws, 'backup', 'list');
    expect(list.code).toBe(1);
    expect(list.err).toBe(`nexus: no backup repository at ${ws.repoPath} (repo.json missing)\n`);
  });

  it('deletes only with confirmation, refuses pinned backups, and prunes with a dry run first', async () => {
    const ws = workspace({ incidents: 300 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(JSON.parse((await nexus(ws, 'backup', 'create', '--json')).out).id);
    const [a, b, c] = ids as [string, string, string];

    expect((await nexus(ws, 'backup', 'delete', a)).err).toMatch(/pass --yes/);
    expect((await nexus(ws, 'backup', 'pin', a)).out).toBe(`backup ${a} pinned\n`);
    const pinnedDelete = await nexus(ws, 'backup', 'delete', a, '--yes');
    expect(pinnedDelete.code).toBe(1);
    expect(pinnedDelete.err).toMatch(/is pinned; unpin it first/);

    const dry = await nexus(ws, 'backup', 'prune', '--dry-run', '--json');
    const plan = JSON.parse(dry.out);
    expect(plan.dryRun).toBe(true);
    expect(plan.removed).toEqual([b]); // a is pinned, c is the latest
    expect((await nexus(ws, 'backup', 'list', '--json')).out).toContain(b);

    const pruned = await nexus(ws, 'backup', 'prune');
    expect(pruned.out).toMatch(/removed 1 backup\(s\)/);
    expect(pruned.out).toMatch(new RegExp(`${b}\\s+removed\\s+superseded`));

    await nexus(ws, 'backup', 'unpin', a);
    const del = await nexus(ws, 'backup', 'delete', a, '--yes');
    expect(del.code).toBe(0);
    expect(del.out).toMatch(new RegExp(`^deleted backup ${a}; removed \\d+ chunk\\(s\\)`));
    const left = JSON.parse((await nexus(ws, 'backup', 'list', '--json')).out).map((r: { id: string }) => r.id);
    expect(left).toEqual([c]);
    expect((await nexus(ws, 'backup', 'verify', '--read-data')).code).toBe(0);
  });

  it('exits 1 from verify when something is wrong', async () => {
    const ws = workspace({ incidents: 300 });
    const { id } = JSON.parse((await nexus(ws, 'backup', 'create', '--json')).out);
    fs.rmSync(path.join(ws.repoPath, 'chunks'), { recursive: true });
    const r = await nexus(ws, 'backup', 'verify', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.ok).toBe(false);
    expect(report.problems[0].affects).toEqual([id]);
    const human = await nexus(ws, 'backup', 'verify');
    expect(human.out).toMatch(/^PROBLEMS FOUND/);
  });

  it('migrates and seeds the database', async () => {
    const dir = tempDir();
    const ws = { dbPath: path.join(dir, 'data', 'new.db'), repoPath: path.join(dir, 'backups') };
    expect((await nexus(ws, 'db', 'migrate')).out).toMatch(/is at schema version 3/);
    const seeded = JSON.parse((await nexus(ws, 'db', 'seed', '--incidents', '25', '--json')).out);
    expect(seeded.incidents).toBe(25);
    expect(dump(ws.dbPath).incidents).toHaveLength(25);
    expect(fs.statSync(ws.dbPath).mode & 0o777).toBe(0o600);
    expect((await nexus(ws, '--help')).out).toMatch(/Usage: nexus/);
  });
});

describe('progress on a terminal', () => {
  it('draws a bar on a TTY stderr and nothing in a pipe', async () => {
    const ws = workspace({ incidents: 2000, logs: true });
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const err = collect(stderr);
    const stdout = new PassThrough();
    const code = await runCli(['--db', ws.dbPath, '--repo', ws.repoPath, 'backup', 'create'], {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: {},
    });
    expect(code).toBe(0);
    expect(err()).toMatch(/database \s*\[.*\] \d+% \| [\d.]+ (KiB|MiB) \/ [\d.]+ MiB/);
    expect(err()).toMatch(/files/);
  });
});
