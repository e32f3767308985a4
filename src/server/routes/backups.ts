import type { Response } from 'express';
import { z } from 'zod';
import { BackupError } from '../../backup/errors.ts';
import { backupSettingsSchema } from '../../backup/settings.ts';
import type { Api } from '../api.ts';
import type { Principal } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import type { Job } from '../jobs.ts';
import { markRecorded } from '../../audit/recorded.ts';
import { HttpProblem } from '../problem.ts';
import { liveDatabase } from '../live-database.ts';
import { backupHealth } from '../health.ts';
import { calendar, decorate, isBackupAttempt } from '../backup-view.ts';
import {
  backupList,
  backupSummary,
  createBody,
  idParams,
  jobAccepted,
  listQuery,
  pinBody,
  pointInTimeBody,
  pruneBody,
  restoreBody,
  rollbackBody,
  verifyBody,
} from '../schemas.ts';

const caller = (p: Principal) => ({ actor: p.actor });

function accepted(res: Response, job: Job): void {
  res
    .status(202)
    .location(`/api/v1/jobs/${job.id}`)
    .json({ jobId: job.id, status: job.status, statusUrl: `/api/v1/jobs/${job.id}`, eventsUrl: `/api/v1/jobs/${job.id}/events` });
}

/**
 * One exclusive job at a time in this process (other processes are kept out by the repository
 * lock). A refusal is audited like any other failed call.
 */
function refuseWhileBusy(ctx: ServerContext, principal: Principal, action: string, target: string | null = null): void {
  const busy = ctx.jobs.running().find((j) => j.kind !== 'verify');
  if (!busy) return;
  const error = new BackupError('BUSY', `a ${busy.kind} job (${busy.id}) started by ${busy.actor} is running`);
  ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action, target, result: 'failure', error: error.message, details: { code: 'BUSY' } });
  throw markRecorded(error);
}

export function backupRoutes(api: Api, ctx: ServerContext): void {
  const accepted202 = { 202: { description: 'Accepted: follow the job', schema: jobAccepted }, 409: { description: 'Another backup or restore is running' } };

  api.add({
    method: 'get',
    path: '/api/v1/backups',
    summary: 'List backups, newest first (filter by class, status and date; paged)',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.list',
    query: listQuery,
    responses: { 200: { description: 'Backups', schema: backupList } },
    async handle({ query, principal, res }) {
      const { items: all, failures } = decorate(ctx, await ctx.backups.list(caller(principal)));
      const items = all.filter(
        (b) =>
          (!query.class || b.class === query.class) &&
          (!query.status || b.status === query.status) &&
          (!query.from || Date.parse(b.createdAt) >= Date.parse(query.from)) &&
          (!query.to || Date.parse(b.createdAt) <= Date.parse(query.to)),
      );
      res.json({ total: items.length, items: items.slice(query.offset, query.offset + query.limit), failures });
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/backups',
    summary: 'Start a backup now',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.create',
    body: createBody,
    responses: accepted202,
    async handle({ body, principal, res }) {
      refuseWhileBusy(ctx, principal, 'backup.create');
      const job = await ctx.jobs.start('create', principal.actor, () =>
        ctx.backups.create({ actor: principal.actor, trigger: 'api', tag: body.tag ?? null, codec: ctx.settings.get().compression }),
      );
      accepted(res, job);
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/backups/stats',
    summary: 'Repository size over time, database size, deduplication ratio, success rate',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.stats',
    responses: { 200: { description: 'Statistics', schema: z.record(z.string(), z.unknown()) } },
    async handle({ principal, res }) {
      const list = await ctx.backups.list(caller(principal));
      const creates = ctx.audit.query({ action: 'backup.create', limit: 10_000, offset: 0 }).rows.filter(isBackupAttempt);
      const series = [...list].reverse().reduce<{ at: string; databaseBytes: number; repositoryBytes: number }[]>((acc, b) => {
        const previous = acc[acc.length - 1]?.repositoryBytes ?? 0;
        acc.push({ at: b.createdAt, databaseBytes: b.databaseBytes, repositoryBytes: previous + b.newBytes });
        return acc;
      }, []);
      const logical = list.reduce((n, b) => n + b.logicalBytes, 0);
      const stored = series[series.length - 1]?.repositoryBytes ?? 0;
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'backup.stats', target: null, result: 'success', error: null });
      res.json({
        calendar: calendar(list, decorate(ctx, list).failures),
        backups: list.length,
        newest: list[0] ?? null,
        databaseBytes: list[0]?.databaseBytes ?? 0,
        storedBytes: stored,
        dedupRatio: stored > 0 ? Number((logical / stored).toFixed(2)) : null,
        attempts: creates.length,
        successRate: creates.length ? Number((creates.filter((r) => r.result === 'success').length / creates.length).toFixed(4)) : null,
        series,
      });
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/backups/health',
    summary: 'Health of data protection: RPO, next runs, last verification and restore, storage, self-checks',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.health',
    responses: { 200: { description: 'Health', schema: z.record(z.string(), z.unknown()) } },
    async handle({ principal, res }) {
      res.json(await backupHealth(ctx, principal.actor));
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/backups/:id',
    summary: 'One backup: summary and manifest',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.show',
    params: idParams,
    responses: { 200: { description: 'The backup', schema: z.object({ summary: backupSummary, manifest: z.record(z.string(), z.unknown()) }) }, 404: { description: 'Unknown id' } },
    async handle({ params, principal, res }) {
      res.json(await ctx.backups.show({ ...caller(principal), id: params.id }));
    },
  });

  api.add({
    method: 'delete',
    path: '/api/v1/backups/:id',
    summary: 'Delete a backup (refused while pinned)',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.delete',
    params: idParams,
    responses: { 200: { description: 'Deleted', schema: z.object({ id: z.string(), chunksRemoved: z.number(), bytesFreed: z.number() }) }, 404: { description: 'Unknown id' }, 409: { description: 'Pinned, or busy' } },
    async handle({ params, principal, res }) {
      refuseWhileBusy(ctx, principal, 'backup.delete', params.id);
      res.json(await ctx.backups.delete({ ...caller(principal), id: params.id }));
    },
  });

  api.add({
    method: 'put',
    path: '/api/v1/backups/:id/pin',
    summary: 'Pin or unpin a backup (pinned backups are never removed)',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.pin',
    params: idParams,
    body: pinBody,
    responses: { 200: { description: 'The backup', schema: backupSummary }, 404: { description: 'Unknown id' } },
    async handle({ params, body, principal, res }) {
      res.json(await ctx.backups.pin({ ...caller(principal), id: params.id, pinned: body.pinned }));
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/backups/:id/verify',
    summary: 'Verify one backup (readData: decompress and hash every chunk)',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.verify',
    params: idParams,
    body: verifyBody,
    responses: accepted202,
    async handle({ params, body, principal, res }) {
      await ctx.backups.show({ ...caller(principal), id: params.id });
      const job = await ctx.jobs.start('verify', principal.actor, () =>
        ctx.backups.verify({ ...caller(principal), id: params.id, readData: body.readData }),
      );
      accepted(res, job);
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/backups/prune',
    summary: 'Apply the retention policy (dryRun shows what would go)',
    tag: 'backups',
    access: 'backup:manage',
    auditAction: 'backup.prune',
    body: pruneBody,
    responses: { 200: { description: 'What was (or would be) removed and why', schema: z.record(z.string(), z.unknown()) } },
    async handle({ body, principal, res }) {
      if (!body.dryRun) refuseWhileBusy(ctx, principal, 'backup.prune');
      res.json(await ctx.backups.prune({ ...caller(principal), dryRun: body.dryRun, policy: ctx.settings.get().retention }));
    },
  });

  const restoreInPlace = async (principal: Principal, res: Response, target: { id?: string; at?: string }) => {
    refuseWhileBusy(ctx, principal, 'backup.restore-in-place', target.id ?? null);
    const job = await ctx.jobs.start('restore', principal.actor, (log) => ctx.backups.restoreInPlace({ ...caller(principal), ...target }, liveDatabase(ctx, log)));
    accepted(res, job);
  };

  api.add({
    method: 'post',
    path: '/api/v1/backups/:id/restore',
    summary: 'Restore this backup in place (safety backup first; maintenance mode while swapping)',
    tag: 'restore',
    access: 'backup:manage',
    auditAction: 'backup.restore-in-place',
    params: idParams,
    body: restoreBody,
    responses: { ...accepted202, 404: { description: 'Unknown id' } },
    async handle({ params, body, principal, res }) {
      if (body.confirm !== params.id) throw new HttpProblem(400, 'validation', 'Invalid request', 'confirm: type the backup id to confirm', { errors: [{ field: 'confirm', message: 'must equal the backup id' }] });
      await ctx.backups.show({ ...caller(principal), id: params.id });
      await restoreInPlace(principal, res, { id: params.id });
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/restore',
    summary: 'Point-in-time restore in place: the newest backup at or before `at`',
    tag: 'restore',
    access: 'backup:manage',
    auditAction: 'backup.restore-in-place',
    body: pointInTimeBody,
    responses: { ...accepted202, 404: { description: 'No backup at or before that time' } },
    async handle({ body, principal, res }) {
      const picked = await ctx.backups.resolveAt(body.at);
      await restoreInPlace(principal, res, { id: picked.id });
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/restore/rollback',
    summary: 'Roll back the last in-place restore (restores its safety backup)',
    tag: 'restore',
    access: 'backup:manage',
    auditAction: 'backup.restore-in-place',
    body: rollbackBody,
    responses: { ...accepted202, 404: { description: 'No safety backup to roll back to' } },
    async handle({ principal, res }) {
      const safety = (await ctx.backups.list(caller(principal))).find((b) => b.class === 'pre-restore');
      if (!safety) throw new BackupError('NOT_FOUND', 'no safety backup: no in-place restore has been made');
      await restoreInPlace(principal, res, { id: safety.id });
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/backup-settings',
    summary: 'Backup settings: schedule, retention, compression, alert thresholds',
    tag: 'settings',
    access: 'backup:manage',
    auditAction: 'backup.settings',
    responses: { 200: { description: 'Settings', schema: backupSettingsSchema } },
    handle({ principal, res }) {
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'backup.settings.read', target: null, result: 'success', error: null });
      res.json(ctx.settings.get());
    },
  });

  api.add({
    method: 'put',
    path: '/api/v1/backup-settings',
    summary: 'Change backup settings (schedules apply at once)',
    tag: 'settings',
    access: 'backup:manage',
    auditAction: 'backup.settings',
    body: backupSettingsSchema,
    responses: { 200: { description: 'The stored settings', schema: backupSettingsSchema } },
    handle({ body, principal, res }) {
      const before = ctx.settings.get();
      const after = ctx.settings.set(body, principal.actor);
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'backup.settings', target: null, result: 'success', error: null, details: { before, after } });
      res.json(after);
    },
  });
}
