import { z } from 'zod';

/**
 * Settings from the environment, validated at start: a bad value stops the start with a
 * message that names it. Defaults are the embedded quick-start layout.
 */
const configSchema = z.object({
  NEXUS_DB: z.string().min(1).default('data/itsm_nexus.db'),
  NEXUS_BACKUP_DIR: z.string().min(1).default('backups'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
});

export interface AppConfig {
  databasePath: string;
  repositoryPath: string;
  port: number;
  host: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid setting ${issue.path.join('.')}: ${issue.message}`);
  }
  const c = parsed.data;
  return { databasePath: c.NEXUS_DB, repositoryPath: c.NEXUS_BACKUP_DIR, port: c.PORT, host: c.HOST };
}
