import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.ts';

type Schedule = { enabled: boolean; time: string };
export interface Settings {
  schedule: {
    timezone: string;
    hourly: { enabled: boolean; minute: number };
    daily: Schedule;
    weekly: Schedule & { day: number };
    monthly: Schedule & { day: number };
    verify: Schedule & { day: number; readData: boolean };
  };
  retention: { keepHourly: number; keepDaily: number; keepWeekly: number; keepMonthly: number; maxAgeDays: number };
  compression: 'brotli' | 'deflate' | 'none';
  alerts: { rpoHours: number; diskWarningPercent: number; diskCriticalPercent: number };
}

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => void api<Settings>('GET', '/api/v1/backup-settings').then(setSettings), []);
  return settings ? <SettingsForm initial={settings} save={(s) => api<Settings>('PUT', '/api/v1/backup-settings', s)} /> : null;
}

/** A copy of `obj` with the value at a dotted path replaced. */
function setAt<T>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const current = obj as Record<string, unknown>;
  return { ...current, [head!]: rest.length ? setAt(current[head!], rest.join('.'), value) : value } as T;
}

function getAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj);
}

/** Every backup setting, each with the server's validation error beside it. */
export function SettingsForm({ initial, save }: { initial: Settings; save: (s: Settings) => Promise<Settings> }) {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<Settings>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const days = t('settings.days', { returnObjects: true }) as string[];

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
  const update = (path: string, value: unknown) => {
    setSaved(false);
    setSettings(setAt(settings, path, value));
  };
  const field = (path: string, label: string, input: ReactElement) => (
    <div className="field" key={path}>
      <label htmlFor={path}>{label}</label>
      {input}
      {errors[path] && (
        <span role="alert" className="field-error" id={`${path}-error`}>
          {errors[path]}
        </span>
      )}
    </div>
  );
  const text = (path: string, label: string) =>
    field(path, label, <input id={path} value={String(getAt(settings, path))} onChange={(e) => update(path, e.target.value)} aria-describedby={errors[path] ? `${path}-error` : undefined} />);
  const number = (path: string, label: string) =>
    field(path, label, <input id={path} type="number" value={Number(getAt(settings, path))} onChange={(e) => update(path, Number(e.target.value))} aria-describedby={errors[path] ? `${path}-error` : undefined} />);
  const check = (path: string, label: string) =>
    field(path, label, <input id={path} type="checkbox" checked={Boolean(getAt(settings, path))} onChange={(e) => update(path, e.target.checked)} />);
  const day = (path: string, label: string) =>
    field(
      path,
      label,
      <select id={path} value={Number(getAt(settings, path))} onChange={(e) => update(path, Number(e.target.value))}>
        {days.map((d, i) => (
          <option key={d} value={i}>
            {d}
          </option>
        ))}
      </select>,
    );

  return (
    <form className="settings" onSubmit={(e) => void submit(e)} aria-labelledby="settings-title" noValidate>
      <h2 id="settings-title">{t('settings.title')}</h2>
      <fieldset>
        <legend>{t('settings.schedule')}</legend>
        {text('schedule.timezone', t('settings.timezone'))}
        {check('schedule.hourly.enabled', t('settings.hourly'))}
        {number('schedule.hourly.minute', t('settings.hourlyMinute'))}
        {check('schedule.daily.enabled', t('settings.dailyOn'))}
        {text('schedule.daily.time', t('settings.daily'))}
        {check('schedule.weekly.enabled', t('settings.weeklyOn'))}
        {day('schedule.weekly.day', t('settings.weeklyDay'))}
        {text('schedule.weekly.time', t('settings.weeklyTime'))}
        {check('schedule.monthly.enabled', t('settings.monthlyOn'))}
        {number('schedule.monthly.day', t('settings.monthlyDay'))}
        {text('schedule.monthly.time', t('settings.monthlyTime'))}
        {check('schedule.verify.enabled', t('settings.verifyOn'))}
        {day('schedule.verify.day', t('settings.verifyDay'))}
        {text('schedule.verify.time', t('settings.verifyTime'))}
        {check('schedule.verify.readData', t('settings.readData'))}
      </fieldset>
      <fieldset>
        <legend>{t('settings.retention')}</legend>
        {number('retention.keepHourly', t('settings.keepHourly'))}
        {number('retention.keepDaily', t('settings.keepDaily'))}
        {number('retention.keepWeekly', t('settings.keepWeekly'))}
        {number('retention.keepMonthly', t('settings.keepMonthly'))}
        {number('retention.maxAgeDays', t('settings.maxAge'))}
      </fieldset>
      <fieldset>
        <legend>{t('settings.storage')}</legend>
        {field(
          'compression',
          t('settings.compression'),
          <select id="compression" value={settings.compression} onChange={(e) => update('compression', e.target.value)}>
            <option value="brotli">brotli</option>
            <option value="deflate">deflate</option>
            <option value="none">none</option>
          </select>,
        )}
        {number('alerts.rpoHours', t('settings.rpo'))}
        {number('alerts.diskWarningPercent', t('settings.diskWarning'))}
        {number('alerts.diskCriticalPercent', t('settings.diskCritical'))}
      </fieldset>
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
      <code className="cli">$ curl -X PUT /api/v1/backup-settings -d @settings.json</code>
    </form>
  );
}
