import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.ts';
import { ROLES, TOKEN_SCOPES, type Role, type TokenScope } from './roles.ts';

export interface User {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  active: boolean;
}

export class UserError extends Error {
  constructor(
    readonly code: 'INVALID' | 'EXISTS' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** Failed logins before an account is locked, and for how long. */
export const LOCKOUT = { attempts: 5, minutes: 15 };

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

const SELECT_USER = `SELECT u.id, u.username, u.display_name AS displayName, u.email, r.name AS role, u.active
                     FROM users u JOIN roles r ON r.id = u.role_id`;

function toUser(row: Record<string, unknown> | undefined): User | null {
  if (!row) return null;
  return { ...(row as unknown as User), active: row.active === 1 };
}

export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UserError('INVALID', `password must have at least ${MIN_PASSWORD_LENGTH} characters`);
}

/** Users, their passwords and API tokens; used by the server and by `nexus user`. */
export class Users {
  constructor(private readonly db: () => Database.Database) {}

  find(username: string): User | null {
    return toUser(this.db().prepare(`${SELECT_USER} WHERE u.username = ?`).get(username) as Record<string, unknown> | undefined);
  }

  get(id: number): User | null {
    return toUser(this.db().prepare(`${SELECT_USER} WHERE u.id = ?`).get(id) as Record<string, unknown> | undefined);
  }

  list(): User[] {
    return (this.db().prepare(`${SELECT_USER} ORDER BY u.username`).all() as Record<string, unknown>[]).map((r) => toUser(r)!);
  }

  count(): number {
    return (this.db().prepare('SELECT count(*) AS c FROM users WHERE password_hash IS NOT NULL').get() as { c: number }).c;
  }

  async add(input: { username: string; role: Role; password: string; displayName?: string; email?: string }): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw new UserError('INVALID', 'username: 2-64 lower-case letters, digits, dots, dashes or underscores');
    }
    if (!ROLES.includes(input.role)) throw new UserError('INVALID', `role must be one of ${ROLES.join(', ')}`);
    validatePassword(input.password);
    if (this.find(input.username)) throw new UserError('EXISTS', `user ${input.username} exists`);
    const hash = await hashPassword(input.password);
    const now = new Date().toISOString();
    const role = (this.db().prepare('SELECT id FROM roles WHERE name = ?').get(input.role) as { id: number }).id;
    this.db()
      .prepare(
        `INSERT INTO users (username, display_name, email, role_id, password_hash, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
      )
      .run(input.username, input.displayName ?? input.username, input.email ?? null, role, hash, now, now);
    return this.find(input.username)!;
  }

  async setPassword(username: string, password: string): Promise<void> {
    validatePassword(password);
    const hash = await hashPassword(password);
    const r = this.db()
      .prepare('UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE username = ?')
      .run(hash, new Date().toISOString(), username);
    if (r.changes === 0) throw new UserError('NOT_FOUND', `no user ${username}`);
  }

  /**
   * Checks a password. Every failure counts towards the lock-out. The result says why it failed
   * for the audit trail; callers answer the client the same way in both cases.
   */
  async authenticate(username: string, password: string): Promise<{ user: User } | { error: 'invalid' | 'locked' }> {
    const row = this.db()
      .prepare('SELECT id, password_hash AS hash, active, failed_logins AS failed, locked_until AS lockedUntil FROM users WHERE username = ?')
      .get(username) as { id: number; hash: string | null; active: number; failed: number; lockedUntil: string | null } | undefined;
    if (!row || !row.hash || row.active !== 1) {
      await verifyPassword(password, await dummyHash()); // as long as a real check
      return { error: 'invalid' };
    }
    if (row.lockedUntil && row.lockedUntil > new Date().toISOString()) {
      await verifyPassword(password, row.hash); // as long as an unlocked check
      return { error: 'locked' };
    }
    if (!(await verifyPassword(password, row.hash))) {
      const failed = row.failed + 1;
      const lockedUntil = failed >= LOCKOUT.attempts ? new Date(Date.now() + LOCKOUT.minutes * 60_000).toISOString() : null;
      this.db().prepare('UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?').run(lockedUntil ? 0 : failed, lockedUntil, row.id);
      return { error: lockedUntil ? 'locked' : 'invalid' };
    }
    this.db().prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(row.id);
    return { user: this.get(row.id)! };
  }

  /** Creates an API token; the secret is returned once and only its SHA-256 is stored. */
  createToken(username: string, name: string, scopes: readonly TokenScope[] = TOKEN_SCOPES): { token: string; id: number } {
    const user = this.find(username);
    if (!user) throw new UserError('NOT_FOUND', `no user ${username}`);
    if (!/^[\w .:@-]{1,64}$/.test(name)) throw new UserError('INVALID', 'token name: 1-64 letters, digits, spaces or . _ : @ -');
    for (const s of scopes) if (!TOKEN_SCOPES.includes(s)) throw new UserError('INVALID', `unknown scope ${s}`);
    const secret = `nxs_${crypto.randomBytes(24).toString('base64url')}`;
    const r = this.db()
      .prepare('INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(user.id, name, tokenHash(secret), secret.slice(0, 8), scopes.join(' '), new Date().toISOString());
    return { token: secret, id: Number(r.lastInsertRowid) };
  }

  /** Tokens without their secrets, for `nexus user token list`. */
  listTokens(username?: string): { id: number; username: string; name: string; prefix: string; scopes: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }[] {
    return this.db()
      .prepare(
        `SELECT t.id, u.username, t.name, t.prefix, t.scopes, t.created_at AS createdAt, t.last_used_at AS lastUsedAt, t.revoked_at AS revokedAt
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ? IS NULL OR u.username = ? ORDER BY t.id`,
      )
      .all(username ?? null, username ?? null) as ReturnType<Users['listTokens']>;
  }

  /** Changes a user's role or disables the account (a disabled user cannot sign in or use tokens). */
  update(username: string, change: { role?: Role; active?: boolean }): User {
    if (change.role && !ROLES.includes(change.role)) throw new UserError('INVALID', `role must be one of ${ROLES.join(', ')}`);
    const user = this.find(username);
    if (!user) throw new UserError('NOT_FOUND', `no user ${username}`);
    const roleId = change.role ? (this.db().prepare('SELECT id FROM roles WHERE name = ?').get(change.role) as { id: number }).id : null;
    this.db()
      .prepare('UPDATE users SET role_id = coalesce(?, role_id), active = coalesce(?, active), updated_at = ? WHERE id = ?')
      .run(roleId, change.active === undefined ? null : change.active ? 1 : 0, new Date().toISOString(), user.id);
    return this.find(username)!;
  }

  revokeToken(id: number): boolean {
    return this.db().prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  /** The user and scopes behind a bearer token, or null for an unknown or revoked one. */
  resolveToken(secret: string): { user: User; scopes: TokenScope[]; tokenId: number } | null {
    const row = this.db()
      .prepare('SELECT id, user_id AS userId, scopes FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL')
      .get(tokenHash(secret)) as { id: number; userId: number; scopes: string } | undefined;
    if (!row) return null;
    const user = this.get(row.userId);
    if (!user || !user.active) return null;
    this.db().prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
    return { user, scopes: row.scopes.split(' ') as TokenScope[], tokenId: row.id };
  }

  /**
   * On an empty database, creates the first admin: with NEXUS_ADMIN_PASSWORD when given,
   * otherwise with a generated password that the caller prints once.
   */
  async ensureFirstAdmin(password: string | undefined): Promise<{ username: string; generated: string | null } | null> {
    if (this.count() > 0) return null;
    const generated = password ? null : generatePassword();
    await this.add({ username: 'admin', role: 'admin', password: password ?? generated!, displayName: 'Administrator' });
    return { username: 'admin', generated };
  }
}

export function tokenHash(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

// A hash with the current parameters, so that unknown users cost as much as known ones.
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(generatePassword());
  return dummy;
}
