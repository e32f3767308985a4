import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import { actor, workspace } from '../helpers/workspace.ts';

describe('application server (minimal)', () => {
  it('answers health checks and shows the catalog count', async () => {
    const ws = workspace({ incidents: 20 });
    await ws.service.create({ ...actor, trigger: 'cli' });
    const app = createApp({ db: ws.db, backups: ws.service });
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(app).get('/readyz')).body).toEqual({ status: 'ready' });
    const home = await request(app).get('/');
    expect(home.text).toContain('Backups in the catalog: 1.');
    expect(home.headers['x-powered-by']).toBeUndefined();
    ws.db.close();
    expect((await request(app).get('/readyz')).status).toBe(503);
  });

  it('validates its settings and names the bad one', () => {
    expect(loadConfig({})).toEqual({ databasePath: 'data/itsm_nexus.db', repositoryPath: 'backups', port: 3000, host: '127.0.0.1' });
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/invalid setting PORT/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/invalid setting PORT/);
  });
});
