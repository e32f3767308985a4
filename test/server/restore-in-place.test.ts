import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, backupNow, signIn, startServer, waitForJob } from '../helpers/server.ts';

describe('in-place restore on the running server', () => {
  it('serves 503 during the swap, then the restored data; keeps a safety backup; can be rolled back', async () => {
    const r = await startServer({ incidents: 3000 });
    const s = await signIn(r);
    const original = (await s.get('/api/v1/incidents/1')).body.title as string;
    const { token } = r.server.ctx.users.createToken('admin', 'monitoring');
    await r.server.ctx.users.add({ username: 'mallory', role: 'admin', password: 'mallory-password-1' });
    const id = await backupNow(s);
    r.server.ctx.users.update('mallory', { role: 'viewer' });
    r.server.ctx.notificationSettings.set({ ...r.server.ctx.notificationSettings.get(), throttleMinutes: 5 }, 'test');
    expect((await s.patch('/api/v1/incidents/1', { title: 'changed after the backup' })).status).toBe(200);
    // Security changes after the backup must survive the restore of the database.
    r.server.ctx.users.revokeToken(1);
    await r.server.ctx.users.setPassword('admin', 'a-new-admin-password');

    // A client that keeps reading the incident while the restore runs.
    const seen: { status: number; title?: string; retryAfter?: string }[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const res = await s.get('/api/v1/incidents/1');
        seen.push({ status: res.status, title: res.body.title, retryAfter: res.headers['retry-after'] });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = await s.post(`/api/v1/backups/${id}/restore`, { confirm: id });
    expect(start.status).toBe(202);
    const job = await waitForJob(s, start.body.jobId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    reading = false;
    await reader;

    expect(job.status).toBe('succeeded');
    const statuses = seen.map((x) => x.status);
    expect(statuses[0]).toBe(200);
    expect(seen[0]!.title).toBe('changed after the backup');
    const unavailable = seen.filter((x) => x.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.every((x) => x.retryAfter === '15')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ status: 200, title: original });
    // Once the restored data is served, the old data never comes back.
    const firstRestored = seen.findIndex((x) => x.title === original);
    expect(seen.slice(firstRestored).every((x) => x.status === 200 && x.title === original)).toBe(true);

    const log = (job.log as { message: string }[]).map((l) => l.message).join('\n');
    expect(log).toMatch(/safety backup \S+ taken/);
    expect(log).toMatch(/verification queries passed/);
    const safety = (job.result as { safetyBackupId: string }).safetyBackupId;
    const list = (await s.get('/api/v1/backups')).body.items as { id: string; class: string }[];
    expect(list.find((b) => b.id === safety)?.class).toBe('pre-restore');
    // The audit trail of the restore survived the rollback of the database.
    const audit = r.server.ctx.audit.query({ action: 'backup.*', limit: 100, offset: 0 }).rows.map((a) => `${a.action} ${a.result}`);
    expect(audit).toEqual(expect.arrayContaining(['backup.restore-in-place success', 'backup.create success']));
    expect(fs.existsSync(`${r.server.ctx.db.file}.before-restore`)).toBe(false);
    expect((await r.api().get('/api/v1/backups').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD })).status).toBe(401);
    expect((await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: 'a-new-admin-password' })).status).toBe(200);
    expect(r.server.ctx.users.find('mallory')!.role).toBe('viewer'); // a demotion is not rolled back
    expect(r.server.ctx.notificationSettings.get().throttleMinutes).toBe(5);

    const rollback = await s.post('/api/v1/restore/rollback', { confirm: 'ROLLBACK' });
    expect(rollback.status).toBe(202);
    expect((await waitForJob(s, rollback.body.jobId)).status).toBe('succeeded');
    expect((await s.get('/api/v1/incidents/1')).body.title).toBe('changed after the backup');
    const kinds = (r.server.ctx.notifier.recent().notifications as { kind: string }[]).map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['restore.started', 'restore.succeeded', 'restore.rolled-back']));
  });

  it('puts the original back when the restored database fails verification', async () => {
    const r = await startServer({ incidents: 500 });
    const s = await signIn(r);
    const db = r.server.ctx.db;
    db.conn.exec('ALTER TABLE incidents RENAME TO incidents_gone');
    const broken = await backupNow(s);
    db.conn.exec('ALTER TABLE incidents_gone RENAME TO incidents');
    await s.patch('/api/v1/incidents/1', { title: 'must survive' });

    const start = await s.post(`/api/v1/backups/${broken}/restore`, { confirm: broken });
    const job = await waitForJob(s, start.body.jobId);
    expect(job.status).toBe('failed');
    expect((job.error as { message: string }).message).toMatch(/failed verification, original put back/);
    expect((job.log as { message: string }[]).map((l) => l.message)).toContain('original database back in place');
    expect((await s.get('/api/v1/incidents/1')).body.title).toBe('must survive');
    expect((await r.api().get('/readyz')).body.status).toBe('ready');
    expect(fs.readdirSync(path.dirname(db.file)).filter((f) => f.startsWith('.restore-') || f.endsWith('.before-restore'))).toEqual([]);
  });

  it('restores to a point in time', async () => {
    const r = await startServer({ incidents: 200 });
    const s = await signIn(r);
    const first = await backupNow(s);
    await s.patch('/api/v1/incidents/2', { status: 'closed' });
    const at = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await backupNow(s);
    const res = await s.post('/api/v1/restore', { at, confirm: 'RESTORE' });
    const job = await waitForJob(s, res.body.jobId);
    expect((job.result as { id: string }).id).toBe(first);
    expect((await r.api().get('/api/v1/restore')).status).toBe(404);
  });
});
