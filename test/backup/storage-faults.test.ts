import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupService } from '../../src/backup/service.ts';
import { actor, dump, tempDir, workspace } from '../helpers/workspace.ts';

/** Real small or read-only filesystems need mount(8), i.e. root; elsewhere these tests are skipped. */
function canMount(): boolean {
  const probe = fs.mkdtempSync('/tmp/nexus-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmdirSync(probe);
  }
}

const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
});

function tmpfs(sizeKb: number): string {
  const dir = tempDir('nexus-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

describe.skipIf(!canMount())('full and read-only storage', () => {
  it('a full repository disk fails the backup with a clear error and commits nothing', async () => {
    const ws = workspace({ incidents: 4000 });
    const repo = path.join(tmpfs(256), 'backups');
    const service = new BackupService({ databasePath: ws.dbPath, repositoryPath: repo });
    const before = dump(ws.dbPath);
    const err = await service.create({ ...actor, trigger: 'cli' }).catch((e: unknown) => e);
    // Refused before anything is written: the estimate does not fit.
    expect(err).toMatchObject({ code: 'NO_SPACE', message: expect.stringMatching(/^not enough space for the backup on .*: it needs about [\d.]+ MiB with a reserve, [\d.]+ MiB are free; nothing was written$/) });
    expect(fs.existsSync(path.join(repo, 'manifests'))).toBe(false);
    expect(fs.existsSync(path.join(repo, 'chunks'))).toBe(false);
    expect(dump(ws.dbPath)).toEqual(before);
  });

  it('a disk that fills up in the middle of a backup fails it cleanly, and the older backups stay good', async () => {
    const ws = workspace({ incidents: 300 });
    const repo = path.join(tmpfs(2048), 'backups');
    const service = new BackupService({ databasePath: ws.dbPath, repositoryPath: repo });
    const first = await service.create({ ...actor, trigger: 'cli' });
    // Incompressible data far beyond what the estimate (twice the last backup's growth) expects.
    const insert = ws.db.prepare("INSERT INTO audit_logs (ts, actor, action, result, details) VALUES ('2026-11-26', 'x', 'blob', 'success', ?)");
    for (let i = 0; i < 40; i++) insert.run((await import('node:crypto')).randomBytes(64 * 1024).toString('base64'));
    const err = await service.create({ ...actor, trigger: 'cli' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NO_SPACE', message: expect.stringContaining('no space left on device') });
    expect((await service.list(actor)).map((b) => b.id)).toEqual([first.id]);
    expect(fs.readdirSync(path.join(repo, 'chunks'), { recursive: true }).filter((n) => String(n).includes('.tmp-'))).toEqual([]);
    expect((await service.verify({ ...actor, readData: true })).problems).toEqual([]);
  });

  it('a read-only repository fails the backup and says why', async () => {
    const ws = workspace({ incidents: 100 });
    const mount = tmpfs(4096);
    const service = new BackupService({ databasePath: ws.dbPath, repositoryPath: path.join(mount, 'backups') });
    await service.create({ ...actor, trigger: 'cli' });
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    ws.db.prepare("UPDATE incidents SET title = 'changed' WHERE id = 1").run();
    await expect(service.create({ ...actor, trigger: 'cli' })).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/read-only/),
    });
    // Reading still works: list and restore from a read-only repository (e.g. a mounted copy),
    // with a warning that the audit journal could not record it.
    const warnings: string[] = [];
    service.events.on('warning', (w) => warnings.push(w.message));
    expect(await service.list(actor)).toHaveLength(1);
    const restored = await service.restore({ ...actor, id: (await service.list(actor))[0]!.id, to: path.join(tempDir(), 'r.db') });
    expect(restored.integrity).toBe('ok');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => /^not recorded in the audit journal: EROFS/.test(w))).toBe(true);
  });

  it('a full restore target fails cleanly and leaves no partial file', async () => {
    const ws = workspace({ incidents: 4000 });
    const m = await ws.service.create({ ...actor, trigger: 'cli' });
    const target = path.join(tmpfs(512), 'restored.db');
    await expect(ws.service.restore({ ...actor, id: m.id, to: target })).rejects.toMatchObject({ code: 'NO_SPACE' });
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });
});
