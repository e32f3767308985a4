import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface Session {
  userId: number;
  /** Checked against the user on every use: after a restore, an id may belong to someone else. */
  username: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** Idle timeout, renewed on use, and an absolute limit. */
const IDLE_MS = 8 * 3600_000;
const ABSOLUTE_MS = 24 * 3600_000;

/** Sessions live beside the application database, in the data directory. */
export function sessionsFileFor(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'sessions.db');
}

function hash(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}

/**
 * Login sessions, in a small database of their own beside the application's: a restore rolls
 * the application database back, and must not log out the admin who runs it. Only a SHA-256
 * of the session id is stored. (express-session would add a store adapter for the same table.)
 */
export class SessionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    fs.chmodSync(file, 0o600);
    this.db.pragma('journal_mode = WAL');
    // Sessions of an older layout are dropped, not migrated: signing in again is their only cost.
    const columns = (this.db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name);
    if (columns.length > 0 && !columns.includes('username')) this.db.exec('DROP TABLE sessions');
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id_hash    TEXT PRIMARY KEY,
      user_id    INTEGER NOT NULL,
      username   TEXT NOT NULL,
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    )`);
  }

  create(userId: number, username: string): { id: string; session: Session } {
    const id = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: Session = {
      userId,
      username,
      csrfToken: crypto.randomBytes(24).toString('base64url'),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + IDLE_MS).toISOString(),
    };
    this.db
      .prepare('INSERT INTO sessions (id_hash, user_id, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hash(id), userId, username, session.csrfToken, session.createdAt, session.expiresAt);
    return { id, session };
  }

  /** The live session for a cookie value, its idle timeout renewed; null when unknown or expired. */
  get(id: string): Session | null {
    const row = this.db
      .prepare('SELECT user_id AS userId, username, csrf_token AS csrfToken, created_at AS createdAt, expires_at AS expiresAt FROM sessions WHERE id_hash = ?')
      .get(hash(id)) as Session | undefined;
    const now = Date.now();
    if (!row) return null;
    if (Date.parse(row.expiresAt) < now || Date.parse(row.createdAt) + ABSOLUTE_MS < now) {
      this.destroy(id);
      return null;
    }
    row.expiresAt = new Date(Math.min(now + IDLE_MS, Date.parse(row.createdAt) + ABSOLUTE_MS)).toISOString();
    this.db.prepare('UPDATE sessions SET expires_at = ? WHERE id_hash = ?').run(row.expiresAt, hash(id));
    return row;
  }

  destroy(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hash(id));
  }

  /** Ends every session of a user (after a password change). */
  destroyForUsername(username: string): number {
    return this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username).changes;
  }

  purgeExpired(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(new Date().toISOString()).changes;
  }

  close(): void {
    this.db.close();
  }
}
