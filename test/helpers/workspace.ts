import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { BackupService } from '../../src/backup/service.ts';
import { openAppDatabase } from '../../src/db/connection.ts';
import { seedDatabase } from '../../src/db/seed.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'nexus-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface Workspace {
  root: string;
  dbPath: string;
  repoPath: string;
  db: Database.Database;
  service: BackupService;
}

/** A data directory with a seeded application database and a backup service over it. */
export function workspace(options: { incidents?: number; logs?: boolean } = {}): Workspace {
  const root = tempDir();
  const dbPath = path.join(root, 'data', 'itsm_nexus.db');
  const repoPath = path.join(root, 'backups');
  const db = openAppDatabase(dbPath);
  seedDatabase(db, { incidents: options.incidents ?? 500, now: new Date('2026-11-01T00:00:00Z') });
  if (options.logs) {
    fs.mkdirSync(path.join(root, 'data', 'logs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'logs', 'app.1.log'), 'rotated log line\n'.repeat(2000));
    fs.writeFileSync(path.join(root, 'data', 'logs', 'app.log'), 'current log line\n');
  }
  const service = new BackupService({ databasePath: dbPath, repositoryPath: repoPath });
  return { root, dbPath, repoPath, db, service };
}

/** Every row of the tables that hold application data, for exact content comparison. */
export function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of ['users', 'roles', 'incidents', 'audit_logs']) {
      out[table] = db.prepare(`SELECT * FROM ${table} ORDER BY id`).all();
    }
    return out;
  } finally {
    db.close();
  }
}

export const actor = { actor: 'test:runner' };
