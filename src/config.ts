import fs from 'node:fs';
import { z } from 'zod';

/**
 * Settings from an optional JSON file (NEXUS_CONFIG) overridden by environment variables,
 * validated at start: a bad value stops the start with a message that names it. Defaults are
 * the embedded quick-start layout.
 */
/** A yes/no setting: true/false, 1/0, yes/no, on/off; anything else is refused, not guessed. */
const flag = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.toLowerCase();
  return ['1', 'true', 'yes', 'on'].includes(s) ? true : ['0', 'false', 'no', 'off'].includes(s) ? false : v;
}, z.boolean());

const configSchema = z
  .object({
    databasePath: z.string().min(1).default('data/itsm_nexus.db'),
    repositoryPath: z.string().min(1).default('backups'),
    port: z.coerce.number().int().min(1).max(65535).default(3000),
    host: z.string().min(1).default('127.0.0.1'),
    /** Behind a TLS-terminating proxy: mark cookies Secure and trust X-Forwarded-*. */
    behindTls: flag.default(false),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Run the backup scheduler in this process. */
    scheduler: flag.default(true),
    /** Bearer token for GET /metrics from other hosts; without it, /metrics answers loopback only. */
    metricsToken: z.string().min(16, 'at least 16 characters').optional(),
  })
  .strict();

export type AppConfig = z.infer<typeof configSchema>;

const ENV: Record<string, keyof AppConfig> = {
  NEXUS_DB: 'databasePath',
  NEXUS_BACKUP_DIR: 'repositoryPath',
  PORT: 'port',
  HOST: 'host',
  NEXUS_BEHIND_TLS: 'behindTls',
  NEXUS_LOG_LEVEL: 'logLevel',
  NEXUS_SCHEDULER: 'scheduler',
  NEXUS_METRICS_TOKEN: 'metricsToken',
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  let file: Record<string, unknown> = {};
  if (env.NEXUS_CONFIG) {
    try {
      file = JSON.parse(fs.readFileSync(env.NEXUS_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`cannot read the configuration file NEXUS_CONFIG=${env.NEXUS_CONFIG}: ${(err as Error).message}`);
    }
  }
  const merged: Record<string, unknown> = { ...file };
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') merged[key] = env[name];
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? (issue as { keys?: string[] }).keys?.[0] ?? '');
    const envName = Object.entries(ENV).find(([, k]) => k === key)?.[0];
    throw new Error(`invalid setting ${key}${envName ? ` (${envName})` : ''}: ${issue.message}`);
  }
  return parsed.data;
}
