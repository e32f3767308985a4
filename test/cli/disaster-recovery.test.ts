import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actor, dump, workspace } from '../helpers/workspace.ts';

const bin = path.resolve(import.meta.dirname, '../../bin/nexus.js');

/** Runs the real `nexus` executable, as an operator would, in `cwd`. */
function nexus(cwd: string, args: string[]) {
  const env = { ...process.env };
  delete env.NEXUS_DB;
  delete env.NEXUS_BACKUP_DIR;
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('disaster recovery from the repository alone (CLI)', () => {
  it('rebuilds a deleted data directory: database, every row, and the log files', async () => {
    const ws = workspace({ incidents: 1500, logs: true });
    await ws.service.create({ ...actor, trigger: 'cli' });
    ws.db.prepare("UPDATE incidents SET status = 'closed' WHERE id <= 100").run();
    await ws.service.create({ ...actor, trigger: 'cli' });
    const expected = dump(ws.dbPath);
    const logs = fs.readFileSync(path.join(ws.root, 'data', 'logs', 'app.1.log'));
    ws.db.close();

    fs.rmSync(path.join(ws.root, 'data'), { recursive: true });
    const listed = nexus(ws.root, ['backup', 'list', '--json']);
    expect(listed.err).toBe("");
    expect(listed.code).toBe(0);
    const [latest] = JSON.parse(listed.out) as { id: string }[];
    const restored = nexus(ws.root, ['backup', 'restore', latest!.id, '--to', 'data/itsm_nexus.db']);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/integrity ok, 2 data file\(s\)/);
    expect(dump(ws.dbPath)).toEqual(expected);
    expect(fs.readFileSync(path.join(ws.root, 'data', 'logs', 'app.1.log')).equals(logs)).toBe(true);
    expect(fs.statSync(path.join(ws.root, 'data')).mode & 0o777).toBe(0o700);

    // Once the database is back, the live file is protected again.
    const again = nexus(ws.root, ['backup', 'restore', latest!.id, '--to', 'data/itsm_nexus.db', '--force']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/refusing to restore over the live database/);
  });

  it('survives its output being cut short by the reader', async () => {
    const ws = workspace({ incidents: 3000 });
    const m = await ws.service.create({ ...actor, trigger: 'cli' });
    const out = execFileSync('bash', ['-c', `node ${bin} --db "$1" --repo "$2" backup show "$3" --json | head -c 20; echo " status=\${PIPESTATUS[0]}"`, '_', ws.dbPath, ws.repoPath, m.id], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/^\{\n {2}"format": 1,.* status=0\n$/s);
  });
});
