import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { Users } from '../../src/auth/users.ts';
import { openAppDatabase } from '../../src/db/connection.ts';
import { tempDir } from '../helpers/workspace.ts';

async function nexus(db: string, input: string, ...args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(['--db', db, ...args], { stdout, stderr, stdin: Readable.from([input]), env: {} });
  return { code, out, err };
}

describe('nexus user (CLI)', () => {
  it('adds users, changes passwords, lists, and creates and revokes API tokens', async () => {
    const db = path.join(tempDir(), 'data', 'app.db');
    expect(await nexus(db, 'a-very-good-password\n', 'user', 'add', 'alice', '--role', 'admin', '--name', 'Alice')).toMatchObject({ code: 0, out: 'added admin alice\n' });
    expect((await nexus(db, 'short\n', 'user', 'add', 'bob', '--role', 'viewer')).err).toMatch(/at least 12 characters/);
    expect((await nexus(db, 'a-very-good-password\n', 'user', 'add', 'alice', '--role', 'admin')).err).toMatch(/user alice exists/);
    expect((await nexus(db, 'a-very-good-password\n', 'user', 'add', 'carol', '--role', 'root')).code).toBe(2);
    expect((await nexus(db, 'another-good-password\n', 'user', 'passwd', 'alice')).out).toBe('password of alice changed\n');
    expect((await nexus(db, 'another-good-password\n', 'user', 'passwd', 'nobody')).code).toBe(1);
    const list = JSON.parse((await nexus(db, '', 'user', 'list', '--json')).out);
    expect(list).toEqual([expect.objectContaining({ username: 'alice', role: 'admin', displayName: 'Alice', active: true })]);

    const created = await nexus(db, '', 'user', 'token', 'create', 'alice', '--name', 'monitoring', '--scopes', 'backup');
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^nxs_[\w-]{32}$/);
    expect(created.err).toMatch(/token 1 for alice \(backup\); it is shown only now/);
    const conn = openAppDatabase(db);
    const users = new Users(() => conn);
    expect(users.resolveToken(token)).toMatchObject({ user: { username: 'alice' }, scopes: ['backup'] });
    expect(await users.authenticate('alice', 'another-good-password')).toHaveProperty('user');
    expect(JSON.stringify(conn.prepare('SELECT * FROM api_tokens').all())).not.toContain(token);
    conn.close();
    const listed = JSON.parse((await nexus(db, '', 'user', 'token', 'list', '--json')).out);
    expect(listed).toEqual([expect.objectContaining({ id: 1, username: 'alice', name: 'monitoring', scopes: 'backup', prefix: token.slice(0, 8), revokedAt: null })]);
    expect((await nexus(db, '', 'user', 'token', 'list')).out).not.toContain(token);
    expect((await nexus(db, '', 'user', 'token', 'revoke', '1')).out).toBe('token 1 revoked\n');
    expect((await nexus(db, '', 'user', 'token', 'revoke', '1')).code).toBe(1);
    expect((await nexus(db, '', 'user', 'token', 'create', 'alice', '--scopes', 'everything')).err).toMatch(/unknown scope everything/);

    expect((await nexus(db, '', 'user', 'set', 'alice', '--role', 'auditor')).out).toBe('alice: auditor, enabled\n');
    expect((await nexus(db, '', 'user', 'set', 'alice', '--disable')).out).toBe('alice: auditor, disabled\n');
    const conn2 = openAppDatabase(db);
    expect(await new Users(() => conn2).authenticate('alice', 'another-good-password')).toEqual({ error: 'invalid' });
    conn2.close();
    expect((await nexus(db, '', 'user', 'set', 'alice')).code).toBe(2);
    expect((await nexus(db, '', 'user', 'set', 'nobody', '--enable')).code).toBe(1);
  });
});
