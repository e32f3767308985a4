import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createServer } from './server.ts';

/** Logs go to stdout and to daily rotated files in <data>/logs/, which every backup includes. */
function logger(level: string, dataDir: string): pino.Logger {
  return pino(
    { name: 'itsm-sec-nexus', level, redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'] },
    pino.transport({
      targets: [
        { target: 'pino/file', options: { destination: 1 }, level },
        { target: 'pino-roll', options: { file: path.join(dataDir, 'logs', 'app'), extension: '.log', frequency: 'daily', size: '50m', mkdir: true, limit: { count: 30, removeOtherLogFiles: true } }, level },
      ],
    }),
  );
}

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(`itsm-sec-nexus: ${(err as Error).message}`);
  process.exit(2);
}
const log = logger(config.logLevel, path.dirname(path.resolve(config.databasePath)));
try {
  const server = await createServer(config, log, { adminPassword: process.env.NEXUS_ADMIN_PASSWORD });
  if (server.firstAdmin?.generated) {
    // Printed once, to the console only: the log files must not hold a password.
    console.log(`\n  First start: created user "admin" with password ${server.firstAdmin.generated}\n  Sign in and change it (nexus user passwd admin).\n`);
  }
  const listener = server.app.listen(config.port, config.host, () => {
    log.info({ url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`, database: config.databasePath, repository: config.repositoryPath }, 'ITSM-Sec Nexus is running');
  });
  const stop = () => {
    log.info('shutting down');
    listener.close(() => {
      server.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'start failed');
  console.error(`itsm-sec-nexus: ${(err as Error).message}`);
  process.exitCode = 1;
}
