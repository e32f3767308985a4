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

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [action, setAction] = useState('backup.*');
  const [rows, setRows] = useState<Row[]>([]);
  useEffect(() => {
    const q = action ? `?action=${encodeURIComponent(action)}&limit=200` : '?limit=200';
    void api<{ rows: Row[] }>('GET', `/api/v1/audit${q}`).then((r) => setRows(r.rows), () => setRows([]));
  }, [action]);
  return (
    <section aria-labelledby="audit-title">
      <div className="toolbar">
        <h2 id="audit-title">{t('audit.title')}</h2>
        <label>
          {t('audit.action')} <input value={action} onChange={(e) => setAction(e.target.value)} />
        </label>
        <a className="button" href={`/api/v1/audit?format=csv&limit=10000${action ? `&action=${encodeURIComponent(action)}` : ''}`}>
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
