import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Versioned schema migrations, applied in order, each in its own transaction.
 * A backup records the schema version it was taken at; restore refuses backups newer than
 * SCHEMA_VERSION (see backup/restore.ts) and older ones are migrated forward when opened.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: users, roles, audit log, incidents, backup catalog',
    sql: `
      CREATE TABLE roles (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE CHECK (name IN ('admin','operator','auditor','viewer')),
        description TEXT NOT NULL
      );
      INSERT INTO roles (name, description) VALUES
        ('admin',    'Full access, including backup and restore'),
        ('operator', 'Works incidents'),
        ('auditor',  'Reads the audit trail and reports'),
        ('viewer',   'Read-only access to incidents');

      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        email         TEXT,
        role_id       INTEGER NOT NULL REFERENCES roles(id),
        password_hash TEXT,
        active        INTEGER NOT NULL DEFAULT 1,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );

      CREATE TABLE audit_logs (
        id        INTEGER PRIMARY KEY,
        ts        TEXT NOT NULL,
        user_id   INTEGER REFERENCES users(id),
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        target    TEXT,
        result    TEXT NOT NULL CHECK (result IN ('success','failure')),
        error     TEXT,
        details   TEXT
      );
      CREATE INDEX audit_logs_ts ON audit_logs(ts);
      CREATE INDEX audit_logs_action ON audit_logs(action, ts);

      CREATE TABLE incidents (
        id          INTEGER PRIMARY KEY,
        number      TEXT NOT NULL UNIQUE,
        title       TEXT NOT NULL,
        description TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('new','in_progress','on_hold','resolved','closed')),
        priority    TEXT NOT NULL CHECK (priority IN ('P1','P2','P3','P4')),
        category    TEXT NOT NULL,
        assignee_id INTEGER REFERENCES users(id),
        reporter_id INTEGER REFERENCES users(id),
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX incidents_status ON incidents(status, priority);
      CREATE INDEX incidents_updated ON incidents(updated_at);

      -- A projection of the backup repository's manifests for fast listing; never the source
      -- of truth (it is rebuilt from the repository, see backup/catalog.ts).
      CREATE TABLE backups (
        id             TEXT PRIMARY KEY,
        created_at     TEXT NOT NULL,
        class          TEXT NOT NULL,
        trigger        TEXT NOT NULL,
        actor          TEXT NOT NULL,
        tag            TEXT,
        status         TEXT NOT NULL,
        db_bytes       INTEGER NOT NULL,
        new_bytes      INTEGER NOT NULL,
        sha256         TEXT NOT NULL,
        integrity      TEXT NOT NULL,
        duration_ms    INTEGER NOT NULL,
        app_version    TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        pinned         INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX backups_created ON backups(created_at);
    `,
  },
  {
    version: 2,
    name: 'login lock-out, API tokens, settings',
    sql: `
      ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN locked_until TEXT;

      -- Bearer tokens for automation: only a SHA-256 of the token is stored.
      CREATE TABLE api_tokens (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(id),
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        prefix       TEXT NOT NULL,
        scopes       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at   TEXT
      );

      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT
      );
    `,
  },
  {
    version: 3,
    name: 'notifications',
    sql: `
      -- In-app notifications, shown in the console.
      CREATE TABLE notifications (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        kind     TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info','warning','error')),
        title    TEXT NOT NULL,
        body     TEXT NOT NULL
      );
      CREATE INDEX notifications_at ON notifications(at);

      -- Every delivery attempt's outcome per channel: delivered, failed after retries, or throttled.
      CREATE TABLE notification_deliveries (
        id              INTEGER PRIMARY KEY,
        notification_id INTEGER NOT NULL REFERENCES notifications(id),
        channel         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('delivered','failed','throttled')),
        attempts        INTEGER NOT NULL,
        error           TEXT,
        at              TEXT NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies every migration newer than the database's `user_version`; returns the versions applied. */
export function migrate(db: Database.Database): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this build understands (${SCHEMA_VERSION}); upgrade ITSM-Sec Nexus`,
    );
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}

export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
