import pino from 'pino';
import { BackupService } from '../backup/service.ts';
import { loadConfig } from '../config.ts';
import { openAppDatabase } from '../db/connection.ts';
import { createApp } from './app.ts';

const log = pino({ name: 'itsm-sec-nexus' });

try {
  const config = loadConfig();
  const db = openAppDatabase(config.databasePath);
  const backups = new BackupService({ databasePath: config.databasePath, repositoryPath: config.repositoryPath });
  // The catalog is a projection of the repository: rebuild it at start.
  await backups.refreshCatalog().catch((err: Error) => log.info({ reason: err.message }, 'backup catalog not refreshed'));
  const server = createApp({ db, backups }).listen(config.port, config.host, () => {
    log.info({ url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`, database: config.databasePath, repository: config.repositoryPath }, 'ITSM-Sec Nexus is running');
  });
  const stop = () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  log.fatal((err as Error).message);
  process.exitCode = 1;
}
