import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from '@tanstack/react-table';
import { formatBytes, type Backup } from '../api.ts';

const col = createColumnHelper<Backup>();

export interface BackupTableProps {
  backups: Backup[];
  /** A job is running: actions that would start another are disabled. */
  busy: boolean;
  onRestore(b: Backup): void;
  onVerify(b: Backup): void;
  onPin(b: Backup): void;
  onDelete(b: Backup): void;
  onDetails(b: Backup): void;
}

const MONTH_MS = 30 * 86_400_000;

/** The backup list: sortable by any column, failed rows marked, pinned backups not deletable. */
export function BackupTable({ backups, busy, onRestore, onVerify, onPin, onDelete, onDetails }: BackupTableProps) {
  const { t, i18n } = useTranslation();
  const [sorting, setSorting] = useState<SortingState>([{ id: 'createdAt', desc: true }]);
  const columns = useMemo(
    () => [
      col.accessor('createdAt', {
        header: () => t('backups.cols.time'),
        cell: (c) => (
          <time dateTime={c.getValue()} title={c.getValue()}>
            {new Date(c.getValue()).toLocaleString(i18n.language)}
          </time>
        ),
      }),
      col.accessor('class', { header: () => t('backups.cols.class'), cell: (c) => <span className={`badge ${c.getValue()}`}>{c.getValue()}</span> }),
      col.accessor('trigger', { header: () => t('backups.cols.trigger'), cell: (c) => `${c.getValue()} / ${c.row.original.actor}` }),
      col.accessor('status', {
        header: () => t('backups.cols.status'),
        cell: (c) => {
          const r = c.row.original.retention;
          return (
            <>
              <span className={c.getValue() === 'success' ? 'ok' : 'bad'}>{t(`status.${c.getValue()}`)}</span>
              {!r.keep && (
                <div className="goes" title={r.reasons.join(', ')}>
                  → {t('backups.goesNext', { why: r.reasons.join(', ') })}
                </div>
              )}
            </>
          );
        },
      }),
      col.accessor('databaseBytes', { header: () => t('backups.cols.size'), cell: (c) => formatBytes(c.getValue()) }),
      col.accessor('newBytes', { header: () => t('backups.cols.added'), cell: (c) => formatBytes(c.getValue()) }),
      col.accessor('durationMs', { header: () => t('backups.cols.duration'), cell: (c) => `${(c.getValue() / 1000).toFixed(2)} s` }),
      col.accessor('integrity', { header: () => t('backups.cols.integrity'), cell: (c) => <span className={c.getValue() === 'ok' ? 'ok' : 'bad'}>{c.getValue()}</span> }),
      col.accessor((b) => (b.verify ? b.verify.at : ''), {
        id: 'verify',
        header: () => t('backups.cols.verify'),
        cell: (c) => {
          const v = c.row.original.verify;
          if (!v) return t('verifyState.none');
          if (!v.ok) return <span className="bad">{t('verifyState.failed')}</span>;
          return Date.now() - Date.parse(v.at) > MONTH_MS ? t('verifyState.old') : <span className="ok">{t('verifyState.ok')}</span>;
        },
      }),
      col.accessor('pinned', { header: () => t('backups.cols.pinned'), cell: (c) => (c.getValue() ? <span className="ok" aria-label="pinned">✓</span> : '') }),
      col.accessor((b) => `${b.appVersion} / ${b.schemaVersion}`, { id: 'version', header: () => t('backups.cols.version') }),
      col.display({
        id: 'actions',
        header: () => t('backups.cols.actions'),
        cell: (c) => {
          const b = c.row.original;
          return (
            <span className="row-actions">
              <button type="button" onClick={() => onDetails(b)}>
                {t('backups.actions.details')}
              </button>
              <button type="button" onClick={() => onRestore(b)} disabled={busy}>
                {t('backups.actions.restore')}
              </button>
              <button type="button" onClick={() => onVerify(b)} disabled={busy}>
                {t('backups.actions.verify')}
              </button>
              <button type="button" onClick={() => onPin(b)}>
                {t(b.pinned ? 'backups.actions.unpin' : 'backups.actions.pin')}
              </button>
              <button type="button" className="danger" disabled={b.pinned || busy} onClick={() => onDelete(b)}>
                {t('backups.actions.delete')}
              </button>
            </span>
          );
        },
      }),
    ],
    [t, i18n.language, busy, onRestore, onVerify, onPin, onDelete, onDetails],
  );
  const table = useReactTable({ data: backups, columns, state: { sorting }, onSortingChange: setSorting, getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel() });
  if (backups.length === 0) return <p>{t('backups.empty')}</p>;
  return (
    <table className="grid">
      <thead>
        {table.getHeaderGroups().map((hg) => (
          <tr key={hg.id}>
            {hg.headers.map((h) => (
              <th key={h.id} aria-sort={h.column.getIsSorted() === 'asc' ? 'ascending' : h.column.getIsSorted() === 'desc' ? 'descending' : undefined}>
                {h.column.getCanSort() ? (
                  <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                    {flexRender(h.column.columnDef.header, h.getContext())}
                  </button>
                ) : (
                  flexRender(h.column.columnDef.header, h.getContext())
                )}
              </th>
            ))}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((r) => (
          <tr key={r.id} data-backup-id={r.original.id} className={r.original.integrity !== 'ok' || r.original.status !== 'success' ? 'failed' : r.original.retention.keep ? '' : 'going'}>
            {r.getVisibleCells().map((c) => (
              <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
