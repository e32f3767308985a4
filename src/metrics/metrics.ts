import fs from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackupService } from '../backup/service.ts';

/**
 * Prometheus metrics of data protection (prom-client). Counters follow the engine's events;
 * gauges that describe the repository are computed at each scrape from the manifests, so they
 * are right after a restart or after work done by the CLI.
 */
export function backupMetrics(backups: BackupService, options: { rpoHours: () => number; dataDir: string }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nexus_' });
  const operations = new Counter({
    name: 'nexus_backup_operations_total',
    help: 'Backup engine operations by operation and result',
    labelNames: ['operation', 'result'] as const,
    registers: [registry],
  });
  const duration = new Gauge({
    name: 'nexus_backup_last_duration_seconds',
    help: 'Duration of the last operation of each kind',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  // Labelled by what was verified, so that no series exists before the first verification.
  const verifyOk = new Gauge({
    name: 'nexus_backup_last_verify_ok',
    help: '1 when the last verification found no problem, 0 when it did',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  backups.events.on('succeeded', (e) => {
    operations.inc({ operation: e.operation, result: 'success' });
    duration.set({ operation: e.operation }, e.durationMs / 1000);
    if (e.operation === 'verify') verifyOk.set({ scope: e.target ? 'backup' : 'repository' }, e.details.ok === false ? 0 : 1);
  });
  backups.events.on('failed', (e) => {
    operations.inc({ operation: e.operation, result: 'failure' });
    if (e.operation === 'verify') verifyOk.set({ scope: e.target ? 'backup' : 'repository' }, 0);
  });

  // Every repository gauge waits for the same refresh: prom-client reads metrics concurrently.
  let pending: Promise<void> | null = null;
  const refresh = (): Promise<void> => (pending ??= collect().finally(() => (pending = null)));
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect: () => refresh() });
  const lastSuccess = gauge('nexus_backup_last_success_timestamp_seconds', 'Creation time of the newest backup (Unix seconds)');
  const rpoAge = gauge('nexus_backup_rpo_age_seconds', 'Age of the newest backup');
  const rpoBreached = gauge('nexus_backup_rpo_breached', '1 when the newest backup is older than the RPO target');
  const count = gauge('nexus_backup_count', 'Backups in the repository');
  const dbBytes = gauge('nexus_backup_database_bytes', 'Size of the database in the newest backup');
  const stored = gauge('nexus_backup_repository_stored_bytes', 'Bytes the repository holds (chunks and manifests)');
  const dedup = gauge('nexus_backup_dedup_ratio', 'Bytes the backups restore divided by bytes stored');
  const free = gauge('nexus_disk_free_bytes', 'Free bytes on the volume', ['volume']);
  async function collect(): Promise<void> {
    const list = await backups.summaries().catch(() => []);
    const newest = list[0];
    const logical = list.reduce((n, b) => n + b.logicalBytes, 0);
    const storedBytes = await backups.repositoryBytes().catch(() => 0);
    count.set(list.length);
    stored.set(storedBytes);
    dedup.set(storedBytes > 0 ? logical / storedBytes : 0);
    if (newest) {
      const created = Date.parse(newest.createdAt) / 1000;
      lastSuccess.set(created);
      rpoAge.set(Date.now() / 1000 - created);
      rpoBreached.set(Date.now() / 1000 - created > options.rpoHours() * 3600 ? 1 : 0);
      dbBytes.set(newest.databaseBytes);
    } else {
      rpoBreached.set(1);
    }
    for (const [volume, dir] of [['data', options.dataDir], ['repository', backups.repositoryPath]] as const) {
      const s = await fs.statfs(path.resolve(dir)).catch(() => null);
      if (s) free.set({ volume }, s.bavail * s.bsize);
    }
  }
  return registry;
}
