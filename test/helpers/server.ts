import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { seedDatabase } from '../../src/db/seed.ts';
import { createServer, type Server } from '../../src/server/server.ts';
import type { Role } from '../../src/auth/roles.ts';
import { tempDir } from './workspace.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const PASSWORD = 'a-long-enough-password';

export interface Running {
  server: Server;
  url: string;
  root: string;
  http: http.Server;
  /** A supertest client for the running server (a real HTTP server on 127.0.0.1). */
  api: () => ReturnType<typeof request>;
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    // Open streams (SSE, a browser's keep-alive) would hold close() forever: end them too.
    await new Promise<void>((resolve) => {
      r.http.close(() => resolve());
      r.http.closeAllConnections();
    });
    r.server.close();
  }
});

/** Starts the real application on a free port, with a temporary data directory and repository. */
export async function startServer(
  options: { incidents?: number; root?: string; scheduler?: boolean; schedulerPatterns?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<Running> {
  const root = options.root ?? tempDir('nexus-server-');
  const config = loadConfig({
    NEXUS_DB: path.join(root, 'data', 'itsm_nexus.db'),
    NEXUS_BACKUP_DIR: path.join(root, 'backups'),
    NEXUS_SCHEDULER: options.scheduler ? 'true' : 'false',
    ...options.env,
  });
  // Notification retries after 10 and 20 ms instead of seconds.
  const server = await createServer(config, pino({ level: 'silent' }), { adminPassword: ADMIN_PASSWORD, schedulerPatterns: options.schedulerPatterns, retryDelaysMs: [10, 20] });
  if (options.incidents) seedDatabase(server.ctx.db.conn, { incidents: options.incidents, now: new Date('2026-11-01T00:00:00Z') });
  const httpServer = server.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => httpServer.once('listening', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const r: Running = { server, url, root, http: httpServer, api: () => request(url) };
  running.push(r);
  return r;
}

export interface Session {
  cookie: string;
  csrf: string;
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  put(path: string, body?: object): request.Test;
  patch(path: string, body?: object): request.Test;
  delete(path: string): request.Test;
}

/** Signs in and returns a client that sends the session cookie and CSRF token. */
export async function signIn(r: Running, username = 'admin', password = ADMIN_PASSWORD): Promise<Session> {
  const res = await r.api().post('/api/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  const csrf = res.body.csrfToken as string;
  const withAuth = (t: request.Test) => t.set('Cookie', cookie).set('X-CSRF-Token', csrf);
  return {
    cookie,
    csrf,
    get: (p) => withAuth(r.api().get(p)),
    post: (p, body) => withAuth(r.api().post(p)).send(body ?? {}),
    put: (p, body) => withAuth(r.api().put(p)).send(body ?? {}),
    patch: (p, body) => withAuth(r.api().patch(p)).send(body ?? {}),
    delete: (p) => withAuth(r.api().delete(p)),
  };
}

/** Adds a user of a role and signs in as them. */
export async function userOfRole(r: Running, role: Role): Promise<Session> {
  const username = `${role}-user`;
  if (!r.server.ctx.users.find(username)) await r.server.ctx.users.add({ username, role, password: PASSWORD });
  return signIn(r, username, PASSWORD);
}

/** Starts a backup through the API, waits for it and returns its id (failing the test if it fails). */
export async function backupNow(s: Session, body: { tag?: string } = {}): Promise<string> {
  const res = await s.post('/api/v1/backups', body);
  if (res.status !== 202) throw new Error(`backup not started: ${res.status} ${JSON.stringify(res.body)}`);
  const job = await waitForJob(s, res.body.jobId);
  if (job.status !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(job.error)}`);
  return (job.result as { id: string }).id;
}

/** Polls a job until it finishes. */
export async function waitForJob(s: Session, jobId: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await s.get(`/api/v1/jobs/${jobId}`);
    if (res.status !== 200 && res.status !== 503) throw new Error(`job ${jobId}: ${res.status} ${JSON.stringify(res.body)}`);
    // 503: the moment of an in-place restore's database swap.
    if (res.status === 200 && res.body.status !== 'running') return res.body as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Retries an assertion until it passes (for effects that land asynchronously), up to `ms`. */
export async function eventually(assertion: () => void | Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
