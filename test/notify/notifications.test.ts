import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { signature } from '../../src/notify/channels.ts';
import { signIn, startServer, waitForJob, type Running, type Session } from '../helpers/server.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
async function smtp(): Promise<{ port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

/** A real HTTP receiver; `answer` decides the status of each request. */
async function receiver(answer: (n: number) => number): Promise<{ url: string; requests: { headers: http.IncomingHttpHeaders; body: string }[] }> {
  const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(answer(requests.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

async function backup(s: Session) {
  const res = await s.post('/api/v1/backups', {});
  return waitForJob(s, res.body.jobId);
}

/** Makes the next backup fail: the database file is not where the engine looks for it. */
function hideDatabase(r: Running): () => void {
  const file = r.server.ctx.db.file;
  fs.renameSync(file, `${file}.hidden`);
  return () => fs.renameSync(`${file}.hidden`, file);
}

describe('notifications', () => {
  it('mails a failed backup over SMTP, then its recovery once', async () => {
    const mail = await smtp();
    const r = await startServer({ incidents: 50 });
    const s = await signIn(r);
    const put = await s.put('/api/v1/notification-settings', {
      channels: [{ id: 'ops-mail', type: 'email', enabled: true, host: '127.0.0.1', port: mail.port, security: 'none', from: 'nexus@example.com', to: ['ops@example.com'] }],
      minSeverity: 'warning',
      throttleMinutes: 60,
      shrinkAlertPercent: 50,
    });
    expect(put.status).toBe(200);

    const restore = hideDatabase(r);
    expect((await backup(s)).status).toBe('failed');
    restore();
    await r.server.ctx.notifier.drain();
    expect(mail.mails).toHaveLength(1);
    expect(mail.mails[0]!.to).toEqual(['ops@example.com']);
    expect(mail.mails[0]!.raw).toMatch(/Subject: \[ITSM-Sec Nexus\] \[ERROR\] create failed/);
    expect(mail.mails[0]!.raw).toMatch(/database not found/);

    // A second failure within the throttle period is recorded but not sent again.
    const again = hideDatabase(r);
    await backup(s);
    again();
    await r.server.ctx.notifier.drain();
    expect(mail.mails).toHaveLength(1);

    expect((await backup(s)).status).toBe('succeeded');
    await r.server.ctx.notifier.drain();
    expect(mail.mails).toHaveLength(2);
    expect(mail.mails[1]!.raw).toMatch(/Subject: \[ITSM-Sec Nexus\] \[INFO\] Backup \S+ succeeded/);
    const recent = (await s.get('/api/v1/notifications')).body as { deliveries: { status: string }[]; notifications: { kind: string }[] };
    expect(recent.deliveries.map((d) => d.status)).toEqual(['delivered', 'throttled', 'delivered']);
    expect(recent.notifications.map((n) => n.kind)).toEqual(['backup.succeeded', 'backup.failed', 'backup.failed']);
  });

  it('signs generic webhooks with HMAC-SHA256 and never shows the secret', async () => {
    const hook = await receiver(() => 204);
    const r = await startServer({ incidents: 20 });
    const s = await signIn(r);
    const secret = crypto.randomBytes(16).toString('hex');
    const settings = { channels: [{ id: 'siem', type: 'webhook', enabled: true, url: hook.url, format: 'json', secret }], minSeverity: 'info', throttleMinutes: 60, shrinkAlertPercent: 50 };
    expect((await s.put('/api/v1/notification-settings', settings)).body.channels[0].secret).toBe('********');
    const shown = (await s.get('/api/v1/notification-settings')).body;
    expect(JSON.stringify(shown)).not.toContain(secret);
    // Sending the mask back keeps the stored secret.
    await s.put('/api/v1/notification-settings', shown);
    expect(JSON.stringify(r.server.ctx.audit.query({ action: 'backup.notification-settings', limit: 10, offset: 0 }).rows)).not.toContain(secret);

    expect((await s.post('/api/v1/notification-settings/test', { channel: 'siem' })).body).toEqual({ channel: 'siem', ok: true, error: null });
    await backup(s);
    await r.server.ctx.notifier.drain();
    expect(hook.requests.length).toBeGreaterThanOrEqual(2);
    for (const req of hook.requests) {
      const expected = signature(secret, String(req.headers['x-nexus-timestamp']), req.body);
      expect(req.headers['x-nexus-signature']).toBe(expected);
    }
    expect(JSON.parse(hook.requests.at(-1)!.body)).toMatchObject({ source: 'itsm-sec-nexus', kind: 'backup.succeeded', severity: 'info' });
  });

  it('retries a receiver that fails twice, and delivers exactly once', async () => {
    const hook = await receiver((n) => (n <= 2 ? 503 : 200));
    const slack = await receiver(() => 200);
    const r = await startServer({ incidents: 20 });
    const s = await signIn(r);
    await s.put('/api/v1/notification-settings', {
      channels: [
        { id: 'flaky', type: 'webhook', enabled: true, url: hook.url, format: 'teams' },
        { id: 'chat', type: 'webhook', enabled: true, url: slack.url, format: 'slack' },
      ],
      minSeverity: 'error',
      throttleMinutes: 0,
      shrinkAlertPercent: 50,
    });
    const restore = hideDatabase(r);
    await backup(s);
    restore();
    await r.server.ctx.notifier.drain();
    expect(hook.requests).toHaveLength(3);
    expect(JSON.parse(hook.requests[2]!.body).attachments[0].content.type).toBe('AdaptiveCard');
    expect(JSON.parse(slack.requests[0]!.body).text).toMatch(/^\*\[ERROR\] create failed\*/);
    const deliveries = (await s.get('/api/v1/notifications')).body.deliveries as { channel: string; status: string; attempts: number }[];
    expect(deliveries.filter((d) => d.channel === 'flaky')).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
  });

  it('records a delivery that keeps failing, and a backup still succeeds', async () => {
    const dead = await receiver(() => 500);
    const r = await startServer({ incidents: 20 });
    const s = await signIn(r);
    await s.put('/api/v1/notification-settings', { channels: [{ id: 'dead', type: 'webhook', enabled: true, url: dead.url, format: 'json' }], minSeverity: 'info', throttleMinutes: 0, shrinkAlertPercent: 50 });
    expect((await backup(s)).status).toBe('succeeded');
    await r.server.ctx.notifier.drain();
    const deliveries = (await s.get('/api/v1/notifications')).body.deliveries as { status: string; attempts: number; error: string }[];
    expect(deliveries[0]).toMatchObject({ status: 'failed', attempts: 3, error: expect.stringMatching(/HTTP 500/) });
    const bad = await s.put('/api/v1/notification-settings', { channels: [{ id: 'x', type: 'webhook', enabled: true, url: 'ftp://example.com', format: 'json' }], minSeverity: 'info', throttleMinutes: 0, shrinkAlertPercent: 50 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('channels.0.url');
  });
});
