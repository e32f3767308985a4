import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, formatBytes, type Backup } from '../api.ts';
import { TypedConfirm } from './TypedConfirm.tsx';

interface PruneResult {
  decisions: { id: string; createdAt: string; keep: boolean; reasons: string[] }[];
  removed: string[];
  bytesFreed: number;
}

function Frame({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="dialog-title" className="dialog wide" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2 id="dialog-title">{title}</h2>
        {children}
        <div className="buttons">
          <button type="button" ref={close} onClick={onClose}>
            {t('restore.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** Prune always starts with a dry run: what goes, what stays, the bytes it frees. */
export function PruneDialog({ onClose, onPruned }: { onClose: () => void; onPruned: (result: { count: number; bytes: string }) => void }) {
  const { t } = useTranslation();
  const [plan, setPlan] = useState<PruneResult | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void api<PruneResult>('POST', '/api/v1/backups/prune', { dryRun: true }).then(setPlan), []);
  const run = async () => {
    setBusy(true);
    const done = await api<PruneResult>('POST', '/api/v1/backups/prune', { dryRun: false });
    onPruned({ count: done.removed.length, bytes: formatBytes(done.bytesFreed) });
  };
  return (
    <Frame title={t('prune.title')} onClose={onClose}>
      {!plan ? (
        <p>…</p>
      ) : (
        <>
          <p>{t('prune.summary', { count: plan.removed.length, bytes: formatBytes(plan.bytesFreed) })}</p>
          <table className="grid compact">
            <tbody>
              {plan.decisions.map((d) => (
                <tr key={d.id} className={d.keep ? '' : 'failed'}>
                  <td>{d.id}</td>
                  <td>{d.keep ? t('prune.keep') : t('prune.remove')}</td>
                  <td>{d.reasons.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <code className="cli">$ nexus backup prune --dry-run</code>
          <button type="button" className="danger" disabled={busy || plan.removed.length === 0} onClick={() => void run()}>
            {t('prune.run', { count: plan.removed.length })}
          </button>
        </>
      )}
    </Frame>
  );
}

/** The parts of a manifest (docs/repository-format.md) that the details dialog shows. */
interface ManifestView {
  database: { sha256: string; size: number; pageCount: number; pageSize: number; integrity: string };
  stats: { chunks: number; newChunks: number; codec: string; newBytes: number; storedBytes: number };
  files: { path: string; size: number }[];
  app: { name: string; version: string; schemaVersion: number };
  tool: { sqlite: string; node: string };
}

/** A backup's manifest in words: hashes, chunks, files, versions. */
export function DetailsDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [data, setData] = useState<{ manifest: ManifestView } | null>(null);
  useEffect(() => void api<{ manifest: ManifestView }>('GET', `/api/v1/backups/${id}`).then(setData), [id]);
  const m = data?.manifest;
  return (
    <Frame title={t('details.title', { id })} onClose={onClose}>
      {m && (
        <dl className="details">
          <dt>SHA-256</dt>
          <dd>
            <code>{m.database.sha256}</code>
          </dd>
          <dt>{t('details.database')}</dt>
          <dd>
            {formatBytes(m.database.size)} · {m.database.pageCount} × {m.database.pageSize} B · {m.database.integrity}
          </dd>
          <dt>{t('details.chunks')}</dt>
          <dd>
            {m.stats.chunks} ({m.stats.newChunks} new) · {m.stats.codec} · {formatBytes(m.stats.newBytes)} / {formatBytes(m.stats.storedBytes)}
          </dd>
          <dt>{t('details.files')}</dt>
          <dd>{m.files.length ? m.files.map((f) => `${f.path} (${formatBytes(f.size)})`).join(', ') : '—'}</dd>
          <dt>{t('details.version')}</dt>
          <dd>
            {m.app.name} {m.app.version} · schema {m.app.schemaVersion} · SQLite {m.tool.sqlite} · Node {m.tool.node}
          </dd>
        </dl>
      )}
      <code className="cli">$ nexus backup show {id}</code>
    </Frame>
  );
}

/** Point-in-time restore: a date-time within the range the backups cover, and the backup it picks. */
export function PointInTimeDialog({ backups, onCancel, onConfirm }: { backups: Backup[]; onCancel: () => void; onConfirm: (at: string) => void }) {
  const { t } = useTranslation();
  const local = (iso: string) => {
    const d = new Date(iso);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  const times = backups.map((b) => b.createdAt).sort();
  const [value, setValue] = useState(local(times[times.length - 1] ?? new Date().toISOString()));
  // The whole chosen minute counts: the server picks the newest backup at or before its end.
  const at = new Date(new Date(value).getTime() + 59_999).toISOString();
  const picked = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).find((b) => b.createdAt <= at);
  return (
    <TypedConfirm title={t('pitr.title')} prompt={t('pitr.type')} word="RESTORE" action={t('restore.start')} danger busy={!picked} onCancel={onCancel} onConfirm={() => onConfirm(at)}>
      <label>
        {t('pitr.at')}
        <input type="datetime-local" value={value} min={times[0] ? local(times[0]) : undefined} max={times.length ? local(times[times.length - 1]!) : undefined} onChange={(e) => setValue(e.target.value)} />
      </label>
      <p>{picked ? t('pitr.picks', { id: picked.id }) : t('pitr.none')}</p>
    </TypedConfirm>
  );
}
