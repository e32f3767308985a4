import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.ts';

export interface Settings {
  schedule: { timezone: string; hourly: { enabled: boolean; minute: number }; daily: { enabled: boolean; time: string } } & Record<string, unknown>;
  retention: { keepDaily: number; maxAgeDays: number } & Record<string, number>;
  alerts: { rpoHours: number } & Record<string, number>;
}

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => void api<Settings>('GET', '/api/v1/backup-settings').then(setSettings), []);
  return settings ? <SettingsForm initial={settings} save={(s) => api<Settings>('PUT', '/api/v1/backup-settings', s)} /> : null;
}

/** The most used backup settings, each with the server's validation error beside it. */
export function SettingsForm({ initial, save }: { initial: Settings; save: (s: Settings) => Promise<Settings> }) {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<Settings>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setSettings(await save(settings));
      setErrors({});
      setSaved(true);
    } catch (err) {
      setSaved(false);
      if (err instanceof ApiError && err.problem.errors) setErrors(Object.fromEntries(err.problem.errors.map((x) => [x.field, x.message])));
      else setErrors({ form: err instanceof Error ? err.message : String(err) });
    }
  };
  const field = (name: string, label: string, input: ReactElement) => (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {input}
      {errors[name] && (
        <span role="alert" className="field-error" id={`${name}-error`}>
          {errors[name]}
        </span>
      )}
    </div>
  );
  const s = settings;
  const set = (next: Settings) => {
    setSaved(false);
    setSettings(next);
  };

  return (
    <form className="settings" onSubmit={(e) => void submit(e)} aria-labelledby="settings-title" noValidate>
      <h2 id="settings-title">{t('settings.title')}</h2>
      {field('schedule.timezone', t('settings.timezone'), <input id="schedule.timezone" value={s.schedule.timezone} onChange={(e) => set({ ...s, schedule: { ...s.schedule, timezone: e.target.value } })} />)}
      {field(
        'schedule.hourly.enabled',
        t('settings.hourly'),
        <input id="schedule.hourly.enabled" type="checkbox" checked={s.schedule.hourly.enabled} onChange={(e) => set({ ...s, schedule: { ...s.schedule, hourly: { ...s.schedule.hourly, enabled: e.target.checked } } })} />,
      )}
      {field('schedule.daily.time', t('settings.daily'), <input id="schedule.daily.time" value={s.schedule.daily.time} onChange={(e) => set({ ...s, schedule: { ...s.schedule, daily: { ...s.schedule.daily, time: e.target.value } } })} />)}
      {field('retention.keepDaily', t('settings.keepDaily'), <input id="retention.keepDaily" type="number" value={s.retention.keepDaily} onChange={(e) => set({ ...s, retention: { ...s.retention, keepDaily: Number(e.target.value) } })} />)}
      {field('retention.maxAgeDays', t('settings.maxAge'), <input id="retention.maxAgeDays" type="number" value={s.retention.maxAgeDays} onChange={(e) => set({ ...s, retention: { ...s.retention, maxAgeDays: Number(e.target.value) } })} />)}
      {field('alerts.rpoHours', t('settings.rpo'), <input id="alerts.rpoHours" type="number" value={s.alerts.rpoHours} onChange={(e) => set({ ...s, alerts: { ...s.alerts, rpoHours: Number(e.target.value) } })} />)}
      {errors.form && (
        <p role="alert" className="notice error">
          {errors.form}
        </p>
      )}
      {saved && (
        <p role="status" className="notice ok">
          {t('settings.saved')}
        </p>
      )}
      <button type="submit" className="primary">
        {t('settings.save')}
      </button>
    </form>
  );
}
