import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, signIn, startServer, userOfRole } from '../helpers/server.ts';

describe('sign-in, sessions, CSRF and tokens', () => {
  it('signs in with a HttpOnly SameSite=Strict cookie, knows who you are, signs out', async () => {
    const r = await startServer();
    const res = await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^nexus_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const s = await signIn(r);
    expect((await s.get('/api/v1/auth/me')).body.user.username).toBe('admin');
    expect((await s.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await s.get('/api/v1/auth/me')).status).toBe(401);
    expect(res.headers['x-content-type-options']).toBe('nosniff'); // helmet
  });

  it('refuses wrong passwords alike for unknown users, and locks an account after five failures', async () => {
    const r = await startServer();
    const bad = await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body).toMatchObject({ type: 'urn:itsm-sec-nexus:problem:login-failed', status: 401 });
    expect(bad.body.detail).toMatch(/^Wrong username or password/);
    const unknown = await r.api().post('/api/v1/auth/login').send({ username: 'nobody', password: 'wrong' });
    expect(unknown.body.detail).toBe(bad.body.detail);
    for (let i = 0; i < 4; i++) await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: 'wrong' });
    const locked = await r.api().post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect(locked.status).toBe(401);
    // The client hears the same as for a wrong password; the audit trail knows why.
    expect(locked.body.detail).toBe(bad.body.detail);
    const audit = r.server.ctx.audit.query({ action: 'auth.login', limit: 100, offset: 0 });
    expect(audit.rows[0]).toMatchObject({ result: 'failure', error: 'locked' });
    expect(audit.rows.filter((x) => x.result === 'failure')).toHaveLength(7);
    expect(JSON.stringify(audit.rows)).not.toContain('wrong'); // no passwords in the audit trail
  });

  it('requires the CSRF token for state-changing cookie requests, but not for bearer tokens', async () => {
    const r = await startServer();
    const s = await signIn(r);
    const noCsrf = await r.api().post('/api/v1/backups').set('Cookie', s.cookie).send({});
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.type).toBe('urn:itsm-sec-nexus:problem:csrf');
    const { token, id } = r.server.ctx.users.createToken('admin', 'ci', ['backup']);
    const list = await r.api().get('/api/v1/backups').set('Authorization', `Bearer ${token}`);
    expect(list.status).toBe(200);
    // Scopes limit what a token may do, whatever the user's role.
    expect((await r.api().get('/api/v1/audit').set('Authorization', `Bearer ${token}`)).status).toBe(403);
    r.server.ctx.users.revokeToken(id);
    expect((await r.api().get('/api/v1/backups').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await r.api().get('/api/v1/backups').set('Authorization', 'Bearer nxs_forged')).status).toBe(401);
  });

  it('answers unknown API routes and malformed JSON with problem+json, never a stack trace', async () => {
    const r = await startServer();
    const s = await userOfRole(r, 'operator');
    const missing = await s.get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('urn:itsm-sec-nexus:problem:not-found');
    const malformed = await r.api().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('urn:itsm-sec-nexus:problem:malformed-json');
    expect(JSON.stringify(malformed.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});
