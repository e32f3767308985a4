import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Stats {
  series: { at: string; databaseBytes: number; repositoryBytes: number }[];
  calendar: { day: string; backups: number; failures: number }[];
}

/** A backup whose database is under half the size of the one before: a classic sign of data loss. */
export function shrinks(series: Stats['series']): string[] {
  return series.filter((p, i) => i > 0 && p.databaseBytes < series[i - 1]!.databaseBytes * 0.5).map((p) => p.at);
}

/** Repository and database size over time (uPlot: small, fast, canvas). */
export function StorageChart({ series }: { series: Stats['series'] }) {
  const { t } = useTranslation();
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current || series.length === 0) return;
    const mib = (b: number) => b / 1024 / 1024;
    const chart = new uPlot(
      {
        width: Math.min(host.current.clientWidth || 600, 900),
        height: 220,
        // One backup alone would get a range of years: show the hours around it instead.
        scales: { x: { time: true, range: (_u, min, max) => (max - min < 3600 ? [min - 3600, max + 3600] : [min, max]) } },
        series: [
          {},
          { label: t('insight.database'), stroke: '#1f5fbf', width: 2 },
          { label: t('insight.repository'), stroke: '#1e7a3c', width: 2 },
        ],
        axes: [{}, { label: 'MiB' }],
      },
      [series.map((p) => Date.parse(p.at) / 1000), series.map((p) => mib(p.databaseBytes)), series.map((p) => mib(p.repositoryBytes))],
      host.current,
    );
    return () => chart.destroy();
  }, [series, t]);
  const flagged = shrinks(series);
  return (
    <figure className="chart">
      <figcaption>{t('insight.storage')}</figcaption>
      <div ref={host} role="img" aria-label={t('insight.storage')} />
      {flagged.length > 0 && (
        <p role="alert" className="notice error">
          {t('insight.shrink', { when: flagged.map((a) => new Date(a).toLocaleString()).join(', ') })}
        </p>
      )}
    </figure>
  );
}

/** One cell a day for the last 30 days: green with a backup, red with a failure, grey with nothing. */
export function CalendarStrip({ days }: { days: Stats['calendar'] }) {
  const { t } = useTranslation();
  return (
    <figure className="calendar">
      <figcaption>{t('insight.calendar')}</figcaption>
      <ol>
        {days.map((d) => {
          const state = d.failures > 0 ? 'red' : d.backups > 0 ? 'green' : 'grey';
          return <li key={d.day} className={state} title={`${d.day}: ${t('insight.day', { ok: d.backups, failed: d.failures })}`} aria-label={`${d.day}: ${t('insight.day', { ok: d.backups, failed: d.failures })}`} />;
        })}
      </ol>
    </figure>
  );
}
