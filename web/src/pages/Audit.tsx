import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';

interface Row {
  id: number;
  ts: string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  error: string | null;
}

/** The audit trail for admins and auditors: filter, read, export as CSV. */
export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [filter, setFilter] = useState({ action: 'backup.*', actor: '', result: '', from: '' });
  const [rows, setRows] = useState<Row[]>([]);
  const query = new URLSearchParams(
    Object.entries({ action: filter.action, actor: filter.actor, result: filter.result, from: filter.from ? new Date(filter.from).toISOString() : '' }).filter(([, v]) => v !== ''),
  ).toString();
  useEffect(() => {
    void api<{ rows: Row[] }>('GET', `/api/v1/audit?${query}&limit=500`).then((r) => setRows(r.rows), () => setRows([]));
  }, [query]);
  const set = (key: keyof typeof filter) => (e: { target: { value: string } }) => setFilter({ ...filter, [key]: e.target.value });
  return (
    <section aria-labelledby="audit-title">
      <div className="toolbar">
        <h2 id="audit-title">{t('audit.title')}</h2>
        <label>
          {t('audit.action')} <input value={filter.action} onChange={set('action')} />
        </label>
        <label>
          {t('audit.cols.actor')} <input value={filter.actor} onChange={set('actor')} />
        </label>
        <label>
          {t('audit.cols.result')}{' '}
          <select value={filter.result} onChange={set('result')}>
            <option value="">{t('backups.all')}</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </label>
        <label>
          {t('audit.from')} <input type="datetime-local" value={filter.from} onChange={set('from')} />
        </label>
        <a className="button" href={`/api/v1/audit?format=csv&limit=10000&${query}`}>
          {t('audit.csv')}
        </a>
      </div>
      <table className="grid">
        <thead>
          <tr>
            {(['ts', 'actor', 'action', 'target', 'result', 'error'] as const).map((c) => (
              <th key={c}>{t(`audit.cols.${c}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className={r.result === 'failure' ? 'failed' : ''}>
              <td>
                <time dateTime={r.ts} title={r.ts}>
                  {new Date(r.ts).toLocaleString(i18n.language)}
                </time>
              </td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>{r.target}</td>
              <td>{r.result}</td>
              <td>{r.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
