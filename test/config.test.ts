import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { tempDir } from './helpers/workspace.ts';

describe('configuration', () => {
  it('has the quick-start defaults', () => {
    expect(loadConfig({})).toEqual({
      databasePath: 'data/itsm_nexus.db',
      repositoryPath: 'backups',
      port: 3000,
      host: '127.0.0.1',
      behindTls: false,
      logLevel: 'info',
      scheduler: true,
    });
  });

  it('reads a JSON file and lets the environment override it', () => {
    const file = path.join(tempDir(), 'nexus.json');
    fs.writeFileSync(file, JSON.stringify({ port: 8080, repositoryPath: '/srv/backups', behindTls: true }));
    expect(loadConfig({ NEXUS_CONFIG: file, PORT: '9090', NEXUS_SCHEDULER: 'false' })).toMatchObject({
      port: 9090,
      repositoryPath: '/srv/backups',
      behindTls: true,
      scheduler: false,
    });
  });

  it('stops on a bad setting and names it', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/invalid setting port \(PORT\)/);
    expect(() => loadConfig({ NEXUS_LOG_LEVEL: 'loud' })).toThrow(/invalid setting logLevel \(NEXUS_LOG_LEVEL\)/);
    expect(() => loadConfig({ NEXUS_SCHEDULER: 'of' })).toThrow(/invalid setting scheduler \(NEXUS_SCHEDULER\)/);
    expect(loadConfig({ NEXUS_SCHEDULER: 'off', NEXUS_BEHIND_TLS: 'on' })).toMatchObject({ scheduler: false, behindTls: true });
    const file = path.join(tempDir(), 'nexus.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ NEXUS_CONFIG: file })).toThrow(/invalid setting prot/);
    fs.writeFileSync(file, '{');
    expect(() => loadConfig({ NEXUS_CONFIG: file })).toThrow(/cannot read the configuration file/);
  });
});
