import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openAppDatabase } from '../../src/db/connection.ts';
import { migrate, SCHEMA_VERSION, schemaVersionOf } from '../../src/db/migrations.ts';
import { churnDatabase, seedDatabase } from '../../src/db/seed.ts';
import { tempDir } from '../helpers/workspace.ts';

describe('database', () => {
  it('creates the schema in WAL mode and migrates only once', () => {
    const file = path.join(tempDir(), 'data', 'app.db');
    const db = openAppDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersionOf(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toEqual([]);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual(['api_tokens', 'audit_logs', 'backups', 'incidents', 'notification_deliveries', 'notifications', 'roles', 'settings', 'users'].map((name) => ({ name })));
    db.close();
  });

  it('refuses a database from a newer version of the application', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(/schema version 999 is newer/);
  });

  it('seeds deterministic, realistic data and churns it', () => {
    const make = () => {
      const db = new Database(':memory:');
      migrate(db);
      return db;
    };
    const a = make();
    const b = make();
    const now = new Date('2026-11-01T00:00:00Z');
    expect(seedDatabase(a, { incidents: 200, now })).toEqual(seedDatabase(b, { incidents: 200, now }));
    expect(a.prepare('SELECT * FROM incidents').all()).toEqual(b.prepare('SELECT * FROM incidents').all());
    const row = a.prepare('SELECT number, description, status FROM incidents WHERE id = 1').get() as Record<string, string>;
    expect(row.number).toBe('INC-0000001');
    expect(row.description!.length).toBeGreaterThan(50);
    const churn = churnDatabase(a, 0.1);
    expect(churn).toEqual({ updated: 15, inserted: 5 });
    expect((a.prepare('SELECT count(*) AS c FROM incidents').get() as { c: number }).c).toBe(205);
    expect((a.prepare("SELECT count(*) AS c FROM incidents WHERE description LIKE '%Update %'").get() as { c: number }).c).toBeGreaterThan(0);
  });
});
