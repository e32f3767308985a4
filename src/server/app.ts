import express from 'express';
import type Database from 'better-sqlite3';
import type { BackupService } from '../backup/service.ts';
import { APP_NAME, APP_VERSION } from '../version.ts';

/**
 * The application's HTTP surface. For now: health endpoints and a landing page that points to
 * the CLI; authentication, the backup API and the admin console follow.
 */
export function createApp(deps: { db: Database.Database; backups: BackupService }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    try {
      deps.db.prepare('SELECT 1').get();
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', reason: (err as Error).message });
    }
  });
  app.get('/', (_req, res) => {
    const count = (deps.db.prepare('SELECT count(*) AS c FROM backups').get() as { c: number }).c;
    res.type('html').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${APP_NAME}</title>
<h1>ITSM-Sec Nexus ${APP_VERSION}</h1>
<p>The database is open. Backups in the catalog: ${count}.</p>
<p>The admin console is not built yet; manage backups with the CLI: <code>./bin/nexus.js backup --help</code>.</p></html>`);
  });
  return app;
}
