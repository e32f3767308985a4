import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, signIn, startServer, waitForJob, type Running } from '../helpers/server.ts';
import { tempDir } from '../helpers/workspace.ts';

function incidents(r: Running): { title: string; status: string }[] {
  return r.server.ctx.db.conn.prepare("SELECT title, status FROM incidents WHERE category = 'backup' ORDER BY id").all() as { title: string; status: string }[];
}

function kinds(r: Running): string[] {
  return (r.server.ctx.notifier.recent().notifications as { kind: string }[]).map((n) => n.kind).reverse();
}

const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
});

function canMount(): boolean {
  try {
    const probe = fs.mkdtempSync('/tmp/nexus-mount-probe-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    fs.rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

describe('monitoring', () => {
  it('raises an RPO breach with an incident, can make /readyz fail, and clears both after a backup', async () => {
    const r = await startServer({ incidents: 20 });
    const s = await signIn(r);
    expect((await r.server.ctx.monitor.check()).rpoBreached).toBe(true);
    expect(kinds(r)).toEqual(['rpo.breached']);
    expect(incidents(r)).toEqual([{ title: '[Backup] RPO breached: no recent backup', status: 'new' }]);
    expect((await r.api().get('/readyz')).status).toBe(200);
    const settings = (await s.get('/api/v1/notification-settings')).body;
    await s.put('/api/v1/notification-settings', { ...settings, rpoAffectsReadiness: true });
    expect((await r.api().get('/readyz')).body).toMatchObject({ status: 'rpo breached' });

    // A second check while it lasts does not open a second incident.
    await r.server.ctx.monitor.check();
    expect(incidents(r)).toHaveLength(1);

    // A good backup clears the breach at once (no need to wait for the hourly check).
    await waitForJob(s, (await s.post('/api/v1/backups', {})).body.jobId);
    await eventually(async () => expect((await r.api().get('/readyz')).status).toBe(200));
    expect(r.server.ctx.monitor.state.rpoBreached).toBe(false);
    expect(kinds(r)).toEqual(['rpo.breached', 'rpo.breached', 'backup.succeeded', 'rpo.met']);
    expect(incidents(r)).toEqual([{ title: '[Backup] RPO breached: no recent backup', status: 'resolved' }]);
  });

  it('opens and resolves incidents also for alerts below the severity sent to channels', async () => {
    const r = await startServer({ incidents: 20 });
    const s = await signIn(r);
    const settings = (await s.get('/api/v1/notification-settings')).body;
    await s.put('/api/v1/notification-settings', { ...settings, minSeverity: 'error', lockAlertMinutes: 1 });
    const locks = path.join(r.root, 'backups', 'locks');
    fs.mkdirSync(locks, { recursive: true });
    fs.writeFileSync(path.join(locks, 'exclusive.json'), JSON.stringify({ pid: 4242, host: 'elsewhere', operation: 'backup', since: new Date(Date.now() - 600_000).toISOString(), user: 'x' }));
    await r.server.ctx.monitor.check();
    expect(incidents(r).find((i) => i.title.includes('holds the repository'))?.status).toBe('new');
    fs.rmSync(path.join(locks, 'exclusive.json'));
    await r.server.ctx.monitor.check();
    expect(incidents(r).find((i) => i.title.includes('holds the repository'))?.status).toBe('resolved');
  });

  it('warns about a lock held too long', async () => {
    const r = await startServer();
    const locks = path.join(r.root, 'backups', 'locks');
    fs.mkdirSync(locks, { recursive: true });
    fs.writeFileSync(path.join(locks, 'exclusive.json'), JSON.stringify({ pid: 4242, host: 'elsewhere', operation: 'backup', since: new Date(Date.now() - 3 * 3600_000).toISOString(), user: 'x' }));
    await r.server.ctx.monitor.check();
    expect(kinds(r)).toContain('lock.held');
    fs.rmSync(path.join(locks, 'exclusive.json'));
    await r.server.ctx.monitor.check();
    expect(kinds(r)).toContain('lock.released');
  });

  it.skipIf(!canMount())('a full repository fails the backup, notifies, opens an incident and reports the disk', async () => {
    const mount = tempDir('nexus-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
    mounts.push(mount);
    const root = tempDir();
    const r = await startServer({ incidents: 3000, root, env: { NEXUS_BACKUP_DIR: path.join(mount, 'backups') } });
    fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(900 * 1024));
    const s = await signIn(r);
    const job = await waitForJob(s, (await s.post('/api/v1/backups', {})).body.jobId);
    expect(job.status).toBe('failed');
    expect((job.error as { code: string }).code).toBe('NO_SPACE');
    expect(kinds(r)).toContain('backup.failed');
    expect(incidents(r)).toEqual([{ title: '[Backup] create failed', status: 'new' }]);
    const state = await r.server.ctx.monitor.check();
    expect(state.disk.find((d) => d.volume === 'repository')!.usedPercent).toBeGreaterThanOrEqual(80);
    expect(kinds(r)).toContain('disk.low');
  });
});

describe('verification alerts', () => {
  it('a verification that finds damage notifies and opens an incident; a clean one closes it', async () => {
    const r = await startServer({ incidents: 500 });
    const s = await signIn(r);
    const job = await waitForJob(s, (await s.post('/api/v1/backups', {})).body.jobId);
    const chunk = (job.result as { database: { chunks: string[] } }).database.chunks[0]!;
    const file = path.join(r.root, 'backups', 'chunks', chunk.slice(0, 2), chunk);
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, 20), Buffer.from('damage'), good.subarray(26)]));
    const report = await r.server.ctx.backups.verify({ actor: 'scheduler', readData: true });
    expect(report.ok).toBe(false);
    // The list marks the backup the damage touches.
    const items = (await s.get('/api/v1/backups')).body.items as { status: string; verify: { ok: boolean } }[];
    expect(items.map((i) => [i.status, i.verify.ok])).toEqual([['warning', false]]);
    expect(kinds(r)).toContain('verify.failed');
    expect(incidents(r)).toEqual([{ title: '[Backup] Backup verification found problems', status: 'new' }]);
    fs.writeFileSync(file, good);
    expect((await r.server.ctx.backups.verify({ actor: 'scheduler', readData: true })).ok).toBe(true);
    expect(kinds(r)).toContain('verify.succeeded');
    expect(incidents(r)).toEqual([{ title: '[Backup] Backup verification found problems', status: 'resolved' }]);
  });
});
