import { useTranslation } from 'react-i18next';
import { formatBytes } from '../api.ts';

export interface Health {
  rpo: { light: 'green' | 'amber' | 'red'; hours: number; lastSuccessAt: string | null; ageHours: number | null };
  nextRuns: { name: string; at: string | null }[];
  timezone: string;
  lastVerify: { ts: string; result: string } | null;
  lastRestore: { ts: string; result: string } | null;
  storage: { repositoryBytes: number; databaseBytes: number; ratio: number | null; freeBytes: number | null; usedPercent: number | null };
  checks: { name: string; ok: boolean }[];
}

function age(hours: number, lang: string): string {
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  return hours < 1 ? fmt.format(-Math.round(hours * 60), 'minute') : hours < 48 ? fmt.format(-Math.round(hours), 'hour') : fmt.format(-Math.round(hours / 24), 'day');
}

function until(iso: string, lang: string): string {
  const minutes = (Date.parse(iso) - Date.now()) / 60_000;
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  return minutes < 90 ? fmt.format(Math.round(minutes), 'minute') : fmt.format(Math.round(minutes / 60), 'hour');
}

/** Always-visible state of data protection, in words and colours. */
export function HealthHeader({ health }: { health: Health }) {
  const { t, i18n } = useTranslation();
  const next = health.nextRuns.filter((n) => n.at && n.name !== 'verify').sort((a, b) => a.at!.localeCompare(b.at!))[0];
  const when = (r: { ts: string; result: string } | null) => (r ? `${new Date(r.ts).toLocaleString(i18n.language)} (${r.result})` : t('health.never'));
  return (
    <section className="health" aria-labelledby="health-title">
      <h2 id="health-title">{t('health.title')}</h2>
      <div className={`light ${health.rpo.light}`} data-testid="rpo-light">
        <span className="dot" aria-hidden="true" />
        <div>
          <div>{t('health.lastBackup')}</div>
          <strong>{health.rpo.lastSuccessAt && health.rpo.ageHours !== null ? age(health.rpo.ageHours, i18n.language) : t('health.none')}</strong>
          <div className="muted">{t('health.rpo', { hours: health.rpo.hours })}</div>
        </div>
      </div>
      <div>
        <div>{t('health.next')}</div>
        <strong>{next ? `${next.name}, ${until(next.at!, i18n.language)}` : '—'}</strong>
        <div className="muted">{health.timezone}</div>
      </div>
      <div>
        <div>{t('health.storage')}</div>
        <strong>{formatBytes(health.storage.repositoryBytes)}</strong>
        <div className="muted">
          {health.storage.ratio !== null ? t('health.ratio', { ratio: health.storage.ratio }) : ''}
          {health.storage.freeBytes !== null ? ` · ${t('health.free')} ${formatBytes(health.storage.freeBytes)}` : ''}
        </div>
      </div>
      <div>
        <div>{t('health.lastVerify')}</div>
        <strong>{when(health.lastVerify)}</strong>
        <div>{t('health.lastRestore')}</div>
        <strong>{when(health.lastRestore)}</strong>
      </div>
      <ul className="checks">
        {health.checks.map((c) => (
          <li key={c.name} className={c.ok ? 'ok' : 'bad'}>
            {c.ok ? '✓' : '✗'} {t(`health.checks.${c.name}`)}
          </li>
        ))}
      </ul>
    </section>
  );
}
