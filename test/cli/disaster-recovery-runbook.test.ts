import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAppDatabase } from '../../src/db/connection.ts';
import { seedDatabase } from '../../src/db/seed.ts';
import { Users } from '../../src/auth/users.ts';
import { BackupService } from '../../src/backup/service.ts';
import { actor, dump, tempDir } from '../helpers/workspace.ts';

const project = path.resolve(import.meta.dirname, '../..');
const runbook = path.join(project, 'docs', 'runbook-disaster-recovery.md');

/** The runbook's `sh dr` blocks, in order: exactly what an operator would type. */
function runbookSteps(): string {
  const blocks = [...fs.readFileSync(runbook, 'utf8').matchAll(/```sh dr\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.join('\n');
}

/** A fresh installation: the project's files, its installed node_modules, no data. */
function install(dir: string): void {
  for (const entry of ['bin', 'src', 'web', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    fs.cpSync(path.join(project, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(project, 'node_modules'), path.join(dir, 'node_modules'));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('disaster-recovery runbook', () => {
  it('brings back every incident and user from the repository alone, with the runbook’s own commands', async () => {
    const root = tempDir('nexus-dr-');
    const home = path.join(root, 'install');
    install(home);
    const dbPath = path.join(root, 'var', 'data', 'itsm_nexus.db');
    const repoPath = path.join(root, 'backups');
    const password = 'dr-admin-password';

    // Life before the disaster: an admin, demo data, a log file, two backups.
    const db = openAppDatabase(dbPath);
    await new Users(() => db).add({ username: 'admin', role: 'admin', password });
    seedDatabase(db, { incidents: 2500 });
    fs.mkdirSync(path.join(path.dirname(dbPath), 'logs'));
    fs.writeFileSync(path.join(path.dirname(dbPath), 'logs', 'app.1.log'), '{"msg":"before the disaster"}\n');
    const service = new BackupService({ databasePath: dbPath, repositoryPath: repoPath });
    await service.create({ ...actor, trigger: 'schedule', class: 'daily' });
    db.prepare("UPDATE incidents SET status = 'closed' WHERE id <= 10").run();
    await service.create({ ...actor, trigger: 'schedule', class: 'hourly' });
    const before = dump(dbPath);
    db.close();

    // The disaster: the whole data directory is gone.
    fs.rmSync(path.dirname(dbPath), { recursive: true });

    const port = await freePort();
    const env = { ...process.env, NEXUS_HOME: home, NEXUS_DB: dbPath, NEXUS_BACKUP_DIR: repoPath, PORT: String(port), NEXUS_ADMIN_PASSWORD: password, NEXUS_SCHEDULER: 'false', TMPDIR: root };
    const shell = spawn('bash', ['-euo', 'pipefail', '-c', runbookSteps()], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    shell.stdout.on('data', (d: Buffer) => (out += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
    try {
      expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
      expect(out).toMatch(/OK: 2 backup\(s\)/);
      expect(out).toMatch(/restored backup \S+[\s\S]*integrity ok, 1 data file\(s\)/);
      expect(out).toContain('"status":"ready"');
      const restored = dump(dbPath);
      expect(restored.incidents).toEqual(before.incidents);
      expect(restored.users).toEqual(before.users);
      expect(restored.roles).toEqual(before.roles);
      // The log file is back (the restarted server appends to it).
      expect(fs.readFileSync(path.join(path.dirname(dbPath), 'logs', 'app.1.log'), 'utf8').startsWith('{"msg":"before the disaster"}\n')).toBe(true);
      // The server answers with the restored data.
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const incidents = (await (await fetch(`http://127.0.0.1:${port}/api/v1/incidents?limit=1`, { headers: { cookie } })).json()) as { total: number };
      expect(incidents.total).toBe(2500);
    } finally {
      try {
        process.kill(-shell.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      // npm start runs the server in the same process group; make sure it is gone.
      await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }, 180_000);
});
