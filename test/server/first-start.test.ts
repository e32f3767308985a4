import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createServer } from '../../src/server/server.ts';
import { tempDir } from '../helpers/workspace.ts';
import fs from 'node:fs';

describe('first start on an empty data directory', () => {
  it('creates the database (0600, in a 0700 folder), the repository and an admin with a generated password', async () => {
    const root = tempDir();
    const config = loadConfig({ NEXUS_DB: path.join(root, 'data', 'itsm_nexus.db'), NEXUS_BACKUP_DIR: path.join(root, 'backups'), NEXUS_SCHEDULER: 'false' });
    const server = await createServer(config, pino({ level: 'silent' }));
    try {
      expect(server.firstAdmin).toMatchObject({ username: 'admin', generated: expect.stringMatching(/^[\w-]{24}$/) });
      expect(await server.ctx.users.authenticate('admin', server.firstAdmin!.generated!)).toHaveProperty('user.role', 'admin');
      expect(fs.statSync(path.join(root, 'data')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(config.databasePath).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(root, 'data', 'sessions.db')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(root, 'backups')).mode & 0o777).toBe(0o700);
    } finally {
      server.close();
    }
    // A second start keeps the admin and prints nothing.
    const again = await createServer(config, pino({ level: 'silent' }));
    expect(again.firstAdmin).toBeNull();
    again.close();
  });
});
