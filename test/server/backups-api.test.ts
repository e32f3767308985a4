import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupNow, eventually, signIn, startServer, userOfRole, waitForJob, type Running, type Session } from '../helpers/server.ts';

const SOME_ID = '2026-01-01T00:00:00Z-abcd';

/** Every backup route with a harmless request, for the role matrix. */
const ROUTES: [method: 'get' | 'post' | 'put' | 'delete', path: string, body?: object][] = [
  ['get', '/api/v1/backups'],
  ['post', '/api/v1/backups', {}],
  ['get', '/api/v1/backups/stats'],
  ['get', '/api/v1/backups/health'],
  ['get', `/api/v1/backups/${SOME_ID}`],
  ['delete', `/api/v1/backups/${SOME_ID}`],
  ['put', `/api/v1/backups/${SOME_ID}/pin`, { pinned: true }],
  ['post', `/api/v1/backups/${SOME_ID}/verify`, {}],
  ['post', '/api/v1/backups/prune', { dryRun: true }],
  ['post', `/api/v1/backups/${SOME_ID}/restore`, { confirm: SOME_ID }],
  ['post', '/api/v1/restore', { at: '2026-01-01T00:00:00Z', confirm: 'RESTORE' }],
  ['post', '/api/v1/restore/rollback', { confirm: 'ROLLBACK' }],
  ['get', '/api/v1/backup-settings'],
  ['get', '/api/v1/notification-settings'],
  ['get', '/api/v1/notifications'],
  ['post', '/api/v1/notification-settings/test', { channel: 'none' }],
  ['get', '/api/v1/jobs/00000000-0000-4000-8000-000000000000'],
];

function call(s: Session, method: string, path: string, body?: object) {
  return method === 'get' ? s.get(path) : method === 'delete' ? s.delete(path) : method === 'put' ? s.put(path, body) : s.post(path, body);
}

describe('backup API: access', () => {
  it('answers 401 without a session, 403 for every non-admin role, and lets admins through', async () => {
    const r = await startServer({ incidents: 20 });
    const admin = await signIn(r);
    const others = { operator: await userOfRole(r, 'operator'), auditor: await userOfRole(r, 'auditor'), viewer: await userOfRole(r, 'viewer') };
    for (const [method, path, body] of ROUTES) {
      const anon = await (method === 'get' ? r.api().get(path) : method === 'delete' ? r.api().delete(path) : method === 'put' ? r.api().put(path).send(body) : r.api().post(path).send(body));
      expect({ method, path, status: anon.status }).toEqual({ method, path, status: 401 });
      for (const [role, s] of Object.entries(others)) {
        const res = await call(s, method, path, body);
        expect({ role, method, path, status: res.status }).toEqual({ role, method, path, status: 403 });
      }
      const res = await call(admin, method, path, body);
      expect({ method, path, allowed: ![401, 403].includes(res.status) }).toEqual({ method, path, allowed: true });
    }
    // Refusals are audited too.
    const denied = r.server.ctx.audit.query({ action: 'backup.*', result: 'failure', limit: 1000, offset: 0 }).rows;
    expect(denied.some((d) => d.actor === 'user:viewer-user' && d.error === '403 Not allowed')).toBe(true);
    expect(denied.some((d) => d.actor.startsWith('anonymous@') && d.error === '401 Not signed in')).toBe(true);
    // …and in the repository's journal, which a restore of the database cannot roll back.
    await eventually(() => {
      const text = fs.readFileSync(path.join(r.root, 'backups', 'journal', 'audit.ndjson'), 'utf8');
      expect(text).toMatch(/"actor":"user:viewer-user","action":"backup.list","target":null,"result":"failure","error":"403 Not allowed"/);
    });
    expect((await r.server.ctx.backups.verify({ actor: 'test' })).journal.brokenAt).toBeNull();
  });
});

describe('backup API: operations', () => {
  it('backs up as a job with live progress over SSE, lists, shows, pins, and audits each call', async () => {
    const r = await startServer({ incidents: 3000 });
    const s = await signIn(r);
    const start = await s.post('/api/v1/backups', { tag: 'first' });
    expect(start.status).toBe(202);
    expect(start.headers.location).toBe(`/api/v1/jobs/${start.body.jobId}`);
    const events = await readSse(r, s, start.body.eventsUrl);
    expect(events[0]!.event).toBe('state');
    expect(events.at(-1)!.event).toBe('finished');
    expect(events.filter((e) => e.event === 'progress').map((e) => (e.data as { phase: string }).phase)).toEqual(expect.arrayContaining(['database', 'commit']));
    const finished = events.at(-1)!.data as { status: string; result: { id: string } };
    expect(finished.status).toBe('succeeded');
    const id = finished.result.id;

    const list = await s.get('/api/v1/backups?class=manual&limit=10');
    expect(list.body).toMatchObject({
      total: 1,
      items: [{ id, tag: 'first', trigger: 'api', actor: 'user:admin', integrity: 'ok', status: 'success', verify: null, retention: { keep: true } }],
      failures: [],
    });
    expect((await s.get('/api/v1/backups?class=daily')).body.total).toBe(0);
    const shown = await s.get(`/api/v1/backups/${id}`);
    expect(shown.body.manifest.database.sha256).toBe(shown.body.summary.sha256);
    // A refused verify request says nothing about the backup; a verification of the whole
    // repository speaks for every backup older than it.
    expect((await r.api().post(`/api/v1/backups/${id}/verify`).send({})).status).toBe(401);
    expect((await s.get('/api/v1/backups')).body.items[0]).toMatchObject({ status: 'success', verify: null });
    await r.server.ctx.backups.verify({ actor: 'scheduler', readData: true });
    expect((await s.get('/api/v1/backups')).body.items[0]).toMatchObject({ status: 'success', verify: { ok: true } });
    expect((await s.put(`/api/v1/backups/${id}/pin`, { pinned: true })).body.pinned).toBe(true);
    const del = await s.delete(`/api/v1/backups/${id}`);
    expect(del.status).toBe(409);
    expect(del.body.type).toBe('urn:itsm-sec-nexus:problem:pinned');

    const audit = r.server.ctx.audit.query({ action: 'backup.*', limit: 100, offset: 0 }).rows.map((a) => `${a.action} ${a.result}`);
    expect(audit).toEqual(expect.arrayContaining(['backup.create success', 'backup.list success', 'backup.show success', 'backup.pin success', 'backup.delete failure']));
    const csv = await s.get('/api/v1/audit?action=backup.*&format=csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('id,ts,user_id,actor,action,target,result,error,details');
    expect(csv.text).toContain(',backup.delete,');
  });

  it('refuses a second backup while one runs (409), and validates every input, naming the field', async () => {
    const r = await startServer({ incidents: 20_000 });
    const s = await signIn(r);
    const [a, b] = await Promise.all([s.post('/api/v1/backups', {}), s.post('/api/v1/backups', {})]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const refused = a.status === 409 ? a : b;
    expect(refused.body.type).toBe('urn:itsm-sec-nexus:problem:busy');
    // The refusal is audited, and is not counted as a failed backup.
    expect(r.server.ctx.audit.query({ action: 'backup.create', result: 'failure', limit: 10, offset: 0 }).rows[0]?.details).toMatchObject({ code: 'BUSY' });
    await waitForJob(s, (a.status === 202 ? a : b).body.jobId);

    const bad = [
      await s.get('/api/v1/backups/..%2F..%2Fetc%2Fpasswd'),
      await s.get('/api/v1/backups?limit=0'),
      await s.post('/api/v1/backups', { tag: 'a/b' }),
      await s.post('/api/v1/backups', { unexpected: 1 }),
      await s.put(`/api/v1/backups/${SOME_ID}/pin`, { pinned: 'yes' }),
      await s.post('/api/v1/restore', { at: 'yesterday', confirm: 'RESTORE' }),
      await s.post(`/api/v1/backups/${SOME_ID}/restore`, { confirm: 'wrong' }),
    ];
    expect(bad.map((x) => x.status)).toEqual([400, 400, 400, 400, 400, 400, 400]);
    expect(bad.map((x) => x.body.errors?.[0]?.field)).toEqual(['id', 'limit', 'tag', '(body)', 'pinned', 'at', 'confirm']);
    expect((await s.get(`/api/v1/backups/${SOME_ID}`)).status).toBe(404);
    const badAudit = r.server.ctx.audit.query({ action: 'backup.show', result: 'failure', limit: 10, offset: 0 }).rows;
    expect(badAudit.map((x) => x.error)).toEqual(expect.arrayContaining([expect.stringMatching(/^400 id:/), expect.stringMatching(/no backup with id/)]));
    // Refusals decided in the route are audited once, like the engine's own failures.
    expect((await s.post('/api/v1/restore/rollback', { confirm: 'ROLLBACK' })).status).toBe(404);
    const restoreAudit = r.server.ctx.audit.query({ action: 'backup.restore-in-place', result: 'failure', limit: 10, offset: 0 }).rows.map((x) => x.error);
    expect(restoreAudit).toEqual([
      '404 no safety backup: no in-place restore has been made',
      '400 confirm: type the backup id to confirm',
      '400 at: an ISO 8601 date and time',
    ]);
  });

  it('keeps settings valid and reports stats', async () => {
    const r = await startServer({ incidents: 100 });
    const s = await signIn(r);
    const settings = (await s.get('/api/v1/backup-settings')).body;
    expect(settings.schedule.daily).toEqual({ enabled: true, time: '02:00' });
    const bad = await s.put('/api/v1/backup-settings', { ...settings, schedule: { ...settings.schedule, daily: { enabled: true, time: '25:00' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('schedule.daily.time');
    const good = await s.put('/api/v1/backup-settings', { ...settings, retention: { ...settings.retention, keepDaily: 7 } });
    expect(good.body.retention.keepDaily).toBe(7);
    await eventually(() => {
      const journal = fs.readFileSync(path.join(r.root, 'backups', 'journal', 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(journal.filter((j) => j.action === 'backup.settings').map((j) => [j.result, j.details?.after?.retention?.keepDaily ?? null])).toEqual([
        ['failure', null],
        ['success', 7],
      ]);
    });
    expect((await s.get('/api/v1/backup-settings')).body.retention.keepDaily).toBe(7);
    await backupNow(s);
    await backupNow(s);
    const stats = (await s.get('/api/v1/backups/stats')).body;
    expect(stats).toMatchObject({ backups: 2, attempts: 2, successRate: 1 });
    expect(stats.series).toHaveLength(2);
    expect(stats.dedupRatio).toBeGreaterThan(1);
    const dry = await s.post('/api/v1/backups/prune', { dryRun: true });
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.removed).toHaveLength(1);
  });
});

/** Reads a server-sent event stream to its end. */
function readSse(r: Running, s: Session, path: string): Promise<{ event: string; data: unknown }[]> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${r.url}${path}`, { headers: { Cookie: s.cookie } }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream');
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve(
          text
            .split('\n\n')
            .filter((block) => block.startsWith('event:'))
            .map((block) => {
              const [e, d] = block.split('\n');
              return { event: e!.slice('event: '.length), data: JSON.parse(d!.slice('data: '.length)) };
            }),
        ),
      );
    });
    req.on('error', reject);
  });
}
