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

describe('audit trail across the CLI and restarts', () => {
  it('imports what the CLI recorded in the journal, once, and never duplicates the server’s own records', async () => {
    const root = tempDir();
    const config = loadConfig({ NEXUS_DB: path.join(root, 'data', 'itsm_nexus.db'), NEXUS_BACKUP_DIR: path.join(root, 'backups'), NEXUS_SCHEDULER: 'false' });
    const first = await createServer(config, pino({ level: 'silent' }), { adminPassword: 'admin-password-for-tests' });
    await first.ctx.backups.create({ actor: 'user:admin', trigger: 'api' });
    first.close();
    // While the server is down, an operator uses the CLI.
    const { BackupService } = await import('../../src/backup/service.ts');
    const cli = new BackupService({ databasePath: config.databasePath, repositoryPath: config.repositoryPath });
    await cli.create({ actor: 'os:operator@host', trigger: 'cli' });
    const count = (s: Awaited<ReturnType<typeof createServer>>) =>
      s.ctx.audit.query({ action: 'backup.create', limit: 100, offset: 0 }).rows.map((r) => r.actor).sort();
    const second = await createServer(config, pino({ level: 'silent' }));
    expect(count(second)).toEqual(['os:operator@host', 'user:admin']);
    second.close();
    const third = await createServer(config, pino({ level: 'silent' }));
    expect(count(third)).toEqual(['os:operator@host', 'user:admin']);
    third.close();
  });
});
