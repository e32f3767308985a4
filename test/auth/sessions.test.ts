import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/auth/sessions.ts';
import { tempDir } from '../helpers/workspace.ts';

describe('session store', () => {
  it('keeps sessions bound to a user, ends them on demand, and replaces an older layout', () => {
    const file = path.join(tempDir(), 'sessions.db');
    const old = new Database(file);
    old.exec('CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)');
    old.close();
    const store = new SessionStore(file);
    const { id } = store.create(7, 'alice');
    expect(store.get(id)).toMatchObject({ userId: 7, username: 'alice' });
    expect(store.get('unknown')).toBeNull();
    store.create(7, 'alice');
    expect(store.destroyForUsername('alice')).toBe(2);
    expect(store.get(id)).toBeNull();
    store.close();
  });
});
