import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, followJob, formatBytes, type Backup, type FailedAttempt, type Job } from '../api.ts';
import { DetailsDialog, PointInTimeDialog, PruneDialog } from '../components/Dialogs.tsx';
import { CalendarStrip, StorageChart, type Stats } from '../components/Insight.tsx';
import { HealthHeader, type Health } from '../components/HealthHeader.tsx';
import { BackupTable } from '../components/BackupTable.tsx';
import { TypedConfirm } from '../components/TypedConfirm.tsx';

/**
 * A restore in place costs a restore beside the live file plus a safety backup; on the 2-core
 * reference machine both run at about 200 MB/s (docs/benchmarks.md).
 */
function expectedSeconds(databaseBytes: number): number {
  return Math.max(2, Math.ceil((2 * databaseBytes) / 200e6) + 1);
}

type Message = ({ key: string; params?: Record<string, string | number> } | { text: string }) & { error?: boolean };

type Dialog = { kind: 'restore' | 'delete' | 'details'; backup: Backup } | { kind: 'rollback' | 'prune' | 'pitr' } | null;

export function BackupsPage() {
  const { t } = useTranslation();
  const [backups, setBackups] = useState<Backup[]>([]);
  const [failures, setFailures] = useState<FailedAttempt[]>([]);
  const [stats, setStats] = useState<Stats | null>(null);
  const [health, setHealth] = useState<Health | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  // Messages keep their translation key, so that they follow a change of language.
  const [message, setMessage] = useState<Message | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [restoreLog, setRestoreLog] = useState<string[] | null>(null);
  const [classFilter, setClassFilter] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  const [sinceFilter, setSinceFilter] = useState('');
  const [cli, setCli] = useState('nexus backup create');

  const load = useCallback(async () => {
    const [list, h, s] = await Promise.all([
      api<{ items: Backup[]; failures: FailedAttempt[] }>('GET', '/api/v1/backups?limit=1000'),
      api<Health>('GET', '/api/v1/backups/health'),
      api<Stats>('GET', '/api/v1/backups/stats'),
    ]);
    setBackups(list.items);
    setFailures(list.failures);
    setHealth(h);
    setStats(s);
  }, []);
  useEffect(() => void load(), [load]);

  const fail = (err: unknown) => setMessage({ text: err instanceof ApiError ? (err.problem.detail ?? err.problem.title) : String(err), error: true });

  const backupNow = async () => {
    setCli('nexus backup create');
    try {
      const { jobId } = await api<{ jobId: string }>('POST', '/api/v1/backups', {});
      const done = await followJob(jobId, (j) => setJob(j));
      setJob(null);
      if (done.status === 'succeeded') setMessage({ key: 'backups.done', params: { id: (done.result as { id: string }).id } });
      else setMessage({ text: done.error?.message ?? 'failed', error: true });
      await load();
    } catch (err) {
      setJob(null);
      if (err instanceof ApiError && err.problem.status === 409) setMessage({ key: 'backups.busy', error: true });
      else fail(err);
    }
  };

  const runRestore = async (path: string, body: object) => {
    setDialog(null);
    setRestoreLog([]);
    try {
      const { jobId } = await api<{ jobId: string }>('POST', path, body);
      const done = await followJob(jobId, (j) => {
        setJob(j);
        setRestoreLog(j.log.map((l) => l.message));
      });
      setJob(null);
      setMessage(
        done.status === 'succeeded'
          ? { key: 'restore.succeeded', params: { id: (done.result as { safetyBackupId: string }).safetyBackupId } }
          : { key: 'restore.failed', params: { message: done.error?.message ?? '' }, error: true },
      );
      await load();
    } catch (err) {
      setJob(null);
      fail(err);
    }
  };

  const verify = async (b: Backup) => {
    setCli(`nexus backup verify ${b.id} --read-data`);
    try {
      const { jobId } = await api<{ jobId: string }>('POST', `/api/v1/backups/${b.id}/verify`, { readData: true });
      const done = await followJob(jobId, (j) => setJob(j));
      setJob(null);
      const ok = done.status === 'succeeded' && (done.result as { ok: boolean }).ok;
      setMessage({ key: ok ? 'backups.verifyOk' : 'backups.verifyFailed', params: { id: b.id }, error: !ok });
      await load();
    } catch (err) {
      setJob(null);
      fail(err);
    }
  };

  const pin = async (b: Backup) => {
    setCli(`nexus backup ${b.pinned ? 'unpin' : 'pin'} ${b.id}`);
    await api('PUT', `/api/v1/backups/${b.id}/pin`, { pinned: !b.pinned }).catch(fail);
    await load();
  };

  const remove = async (b: Backup) => {
    setDialog(null);
    await api('DELETE', `/api/v1/backups/${b.id}`).catch(fail);
    await load();
  };

  const rows = useMemo(
    () =>
      backups.filter(
        (b) =>
          (!classFilter || b.class === classFilter) &&
          (!statusFilter || b.status === statusFilter) &&
          (!sinceFilter || Date.parse(b.createdAt) >= new Date(sinceFilter).getTime()),
      ),
    [backups, classFilter, statusFilter, sinceFilter],
  );
  const percent = job?.progress && job.progress.total > 0 ? Math.round((job.progress.done / job.progress.total) * 100) : null;

  return (
    <>
      {health && <HealthHeader health={health} />}
      <section aria-labelledby="backups-title">
        <div className="toolbar">
          <h2 id="backups-title">{t('backups.title')}</h2>
          <button type="button" className="primary" onClick={() => void backupNow()} disabled={!!job}>
            {job?.kind === 'create' ? t('backups.running') : t('backups.now')}
          </button>
          <label>
            {t('backups.filterClass')}{' '}
            <select value={classFilter} onChange={(e) => setClassFilter(e.target.value)}>
              <option value="">{t('backups.all')}</option>
              {['manual', 'hourly', 'daily', 'weekly', 'monthly', 'pre-restore'].map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('backups.filterStatus')}{' '}
            <select value={statusFilter} onChange={(e) => setStatusFilter(e.target.value)}>
              <option value="">{t('backups.all')}</option>
              <option value="success">{t('status.success')}</option>
              <option value="warning">{t('status.warning')}</option>
            </select>
          </label>
          <label>
            {t('backups.filterSince')} <input type="date" value={sinceFilter} onChange={(e) => setSinceFilter(e.target.value)} />
          </label>
          <button type="button" onClick={() => (setCli('nexus backup restore --at <time> --to <path>'), setDialog({ kind: 'pitr' }))} disabled={!!job || backups.length === 0}>
            {t('pitr.open')}
          </button>
          <button type="button" onClick={() => (setCli('nexus backup prune --dry-run'), setDialog({ kind: 'prune' }))} disabled={!!job}>
            {t('prune.open')}
          </button>
          <code className="cli" title={t('backups.cli')}>
            $ {cli}
          </code>
        </div>
        {job && (
          <div role="status" className="progress">
            <progress max={100} value={percent ?? undefined} aria-label={job.progress?.phase ?? job.kind} />
            <span>
              {job.kind} · {job.progress?.phase ?? '…'} {percent !== null ? `${percent}%` : ''}{' '}
              {job.progress?.unit === 'bytes' ? `${formatBytes(job.progress.done)} / ${formatBytes(job.progress.total)}` : ''}
            </span>
          </div>
        )}
        {message && (
          <p role={message.error ? 'alert' : 'status'} className={`notice ${message.error ? 'error' : 'ok'}`}>
            {'key' in message ? t(message.key, message.params) : message.text}
          </p>
        )}
        {restoreLog && restoreLog.length > 0 && (
          <section aria-label={t('restore.log')} className="restore-log">
            <h3>{t('restore.log')}</h3>
            <ol>
              {restoreLog.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ol>
            {!job && (
              <button type="button" onClick={() => setDialog({ kind: 'rollback' })}>
                {t('restore.rollback')}
              </button>
            )}
          </section>
        )}
        <BackupTable
          backups={rows}
          busy={!!job}
          onRestore={(b) => {
            setCli(`nexus backup restore ${b.id} --to <path>`);
            setDialog({ kind: 'restore', backup: b });
          }}
          onVerify={(b) => void verify(b)}
          onPin={(b) => void pin(b)}
          onDelete={(b) => {
            setCli(`nexus backup delete ${b.id}`);
            setDialog({ kind: 'delete', backup: b });
          }}
          onDetails={(b) => {
            setCli(`nexus backup show ${b.id}`);
            setDialog({ kind: 'details', backup: b });
          }}
        />
        {failures.length > 0 && (
          <section aria-label={t('failures.title')} className="failures">
            <h3>{t('failures.title')}</h3>
            <ul>
              {failures.map((f) => (
                <li key={f.at} className="bad">
                  <time dateTime={f.at}>{new Date(f.at).toLocaleString()}</time> · {f.actor} · {f.error}
                </li>
              ))}
            </ul>
          </section>
        )}
      </section>
      {dialog?.kind === 'restore' && (
        <TypedConfirm
          title={t('restore.title', { id: dialog.backup.id })}
          prompt={t('restore.typeId')}
          word={dialog.backup.id}
          action={t('restore.start')}
          danger
          onCancel={() => setDialog(null)}
          onConfirm={() => void runRestore(`/api/v1/backups/${dialog.backup.id}/restore`, { confirm: dialog.backup.id })}
        >
          <h3>{t('restore.what')}</h3>
          <ol>
            {(t('restore.steps', { returnObjects: true }) as string[]).map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          <p>{t('restore.expected', { seconds: expectedSeconds(dialog.backup.databaseBytes) })}</p>
          <code className="cli">$ curl -X POST /api/v1/backups/{dialog.backup.id}/restore -d '{`{"confirm":"${dialog.backup.id}"}`}'</code>
        </TypedConfirm>
      )}
      {dialog?.kind === 'delete' && (
        <TypedConfirm
          title={t('del.title', { id: dialog.backup.id })}
          prompt={t('del.typeId')}
          word={dialog.backup.id}
          action={t('del.start')}
          danger
          onCancel={() => setDialog(null)}
          onConfirm={() => void remove(dialog.backup)}
        >
          {backups.length === 1 && (
            <p role="alert" className="notice error">
              {t('del.only')}
            </p>
          )}
        </TypedConfirm>
      )}
      {dialog?.kind === 'details' && <DetailsDialog id={dialog.backup.id} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'prune' && (
        <PruneDialog
          onClose={() => setDialog(null)}
          onPruned={(params) => {
            setDialog(null);
            setMessage({ key: 'prune.done', params });
            void load();
          }}
        />
      )}
      {dialog?.kind === 'pitr' && <PointInTimeDialog backups={backups} onCancel={() => setDialog(null)} onConfirm={(at) => void runRestore('/api/v1/restore', { at, confirm: 'RESTORE' })} />}
      {stats && (
        <section className="insight" aria-label={t('insight.storage')}>
          <StorageChart series={stats.series} />
          <CalendarStrip days={stats.calendar} />
        </section>
      )}
      {dialog?.kind === 'rollback' && (
        <TypedConfirm
          title={t('restore.rollback')}
          prompt={t('restore.rollbackConfirm')}
          word="ROLLBACK"
          action={t('restore.rollback')}
          danger
          onCancel={() => setDialog(null)}
          onConfirm={() => void runRestore('/api/v1/restore/rollback', { confirm: 'ROLLBACK' })}
        />
      )}
    </>
  );
}
