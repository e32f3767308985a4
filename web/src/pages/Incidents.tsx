import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.ts';

interface Incident {
  id: number;
  number: string;
  title: string;
  status: string;
  priority: string;
  updatedAt: string;
}

const STATUSES = ['new', 'in_progress', 'on_hold', 'resolved', 'closed'];

export function IncidentsPage({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<Incident[]>([]);
  const [editing, setEditing] = useState<{ id: number; title: string; status: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api<{ items: Incident[] }>('GET', '/api/v1/incidents?limit=20').then((r) => setItems(r.items));
  useEffect(() => void load(), []);

  const save = async () => {
    if (!editing) return;
    try {
      await api('PATCH', `/api/v1/incidents/${editing.id}`, { title: editing.title, status: editing.status });
      setEditing(null);
      setError(null);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? (err.problem.detail ?? err.problem.title) : String(err));
    }
  };

  return (
    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">{t('incidents.title')}</h2>
      {error && (
        <p role="alert" className="notice error">
          {error}
        </p>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>{t('incidents.number')}</th>
            <th>{t('incidents.titleCol')}</th>
            <th>{t('incidents.status')}</th>
            <th>{t('incidents.priority')}</th>
            <th>{t('incidents.updated')}</th>
            {canEdit && <th />}
          </tr>
        </thead>
        <tbody>
          {items.map((i) =>
            editing?.id === i.id ? (
              <tr key={i.id} data-incident={i.number}>
                <td>{i.number}</td>
                <td>
                  <input aria-label={t('incidents.titleCol')} value={editing.title} onChange={(e) => setEditing({ ...editing, title: e.target.value })} />
                </td>
                <td>
                  <select aria-label={t('incidents.status')} value={editing.status} onChange={(e) => setEditing({ ...editing, status: e.target.value })}>
                    {STATUSES.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                </td>
                <td>{i.priority}</td>
                <td />
                <td>
                  <button type="button" className="primary" onClick={() => void save()}>
                    {t('incidents.save')}
                  </button>{' '}
                  <button type="button" onClick={() => setEditing(null)}>
                    {t('incidents.cancel')}
                  </button>
                </td>
              </tr>
            ) : (
              <tr key={i.id} data-incident={i.number}>
                <td>{i.number}</td>
                <td className="title">{i.title}</td>
                <td>{i.status}</td>
                <td>{i.priority}</td>
                <td>{new Date(i.updatedAt).toLocaleString(i18n.language)}</td>
                {canEdit && (
                  <td>
                    <button type="button" onClick={() => setEditing({ id: i.id, title: i.title, status: i.status })}>
                      {t('incidents.edit')}
                    </button>
                  </td>
                )}
              </tr>
            ),
          )}
        </tbody>
      </table>
    </section>
  );
}
