import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.ts';

type Channel =
  | { id: string; type: 'email'; enabled: boolean; host: string; port: number; security: 'tls' | 'starttls' | 'none'; username?: string; password?: string; from: string; to: string[] }
  | { id: string; type: 'webhook'; enabled: boolean; url: string; format: 'json' | 'slack' | 'teams'; secret?: string };

interface NotificationSettings {
  channels: Channel[];
  minSeverity: 'info' | 'warning' | 'error';
  throttleMinutes: number;
  shrinkAlertPercent: number;
  openIncidents: boolean;
  rpoAffectsReadiness: boolean;
  lockAlertMinutes: number;
}

interface Recent {
  notifications: { id: number; at: string; kind: string; severity: string; title: string; body: string }[];
  deliveries: { notificationId: number; channel: string; status: string; attempts: number; error: string | null }[];
}

/** In-app notifications with their deliveries, and the channels that send them (with a test button). */
export function NotificationsPage() {
  const { t, i18n } = useTranslation();
  const [recent, setRecent] = useState<Recent | null>(null);
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const load = () => {
    void api<Recent>('GET', '/api/v1/notifications').then(setRecent);
    void api<NotificationSettings>('GET', '/api/v1/notification-settings').then(setSettings);
  };
  useEffect(load, []);
  if (!settings || !recent) return null;

  const setChannel = (i: number, change: Partial<Channel>) =>
    setSettings({ ...settings, channels: settings.channels.map((c, j) => (j === i ? ({ ...c, ...change } as Channel) : c)) });
  const save = async () => {
    try {
      setSettings(await api<NotificationSettings>('PUT', '/api/v1/notification-settings', settings));
      setErrors({});
      setMessage({ text: t('notify.saved') });
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors) setErrors(Object.fromEntries(err.problem.errors.map((x) => [x.field, x.message])));
      setMessage({ text: err instanceof Error ? err.message : String(err), error: true });
    }
  };
  const test = async (id: string) => {
    const r = await api<{ ok: boolean; error: string | null }>('POST', '/api/v1/notification-settings/test', { channel: id });
    setMessage(r.ok ? { text: t('notify.testOk', { id }) } : { text: t('notify.testFailed', { id, error: r.error }), error: true });
  };
  const input = (i: number, key: string, value: string | number, onChange: (v: string) => void, type = 'text') => {
    const field = `channels.${i}.${key}`;
    return (
      <label key={field}>
        {t(`notify.fields.${key}`)}
        <input value={value} type={type} onChange={(e) => onChange(e.target.value)} aria-invalid={!!errors[field]} />
        {errors[field] && <span className="field-error">{errors[field]}</span>}
      </label>
    );
  };

  return (
    <>
      <section aria-labelledby="notify-title" className="settings wide">
        <h2 id="notify-title">{t('notify.channels')}</h2>
        {settings.channels.map((c, i) => (
          <fieldset key={i}>
            <legend>
              {c.type} · {c.id}
            </legend>
            {input(i, 'id', c.id, (v) => setChannel(i, { id: v }))}
            <label>
              <input type="checkbox" checked={c.enabled} onChange={(e) => setChannel(i, { enabled: e.target.checked })} /> {t('notify.fields.enabled')}
            </label>
            {c.type === 'email' ? (
              <>
                {input(i, 'host', c.host, (v) => setChannel(i, { host: v }))}
                {input(i, 'port', c.port, (v) => setChannel(i, { port: Number(v) }), 'number')}
                <label>
                  {t('notify.fields.security')}
                  <select value={c.security} onChange={(e) => setChannel(i, { security: e.target.value as 'tls' })}>
                    <option value="starttls">STARTTLS</option>
                    <option value="tls">TLS</option>
                    <option value="none">none</option>
                  </select>
                </label>
                {input(i, 'username', c.username ?? '', (v) => setChannel(i, { username: v || undefined }))}
                {input(i, 'password', c.password ?? '', (v) => setChannel(i, { password: v || undefined }), 'password')}
                {input(i, 'from', c.from, (v) => setChannel(i, { from: v }))}
                {input(i, 'to', c.to.join(', '), (v) => setChannel(i, { to: v.split(',').map((x) => x.trim()).filter(Boolean) }))}
              </>
            ) : (
              <>
                {input(i, 'url', c.url, (v) => setChannel(i, { url: v }))}
                <label>
                  {t('notify.fields.format')}
                  <select value={c.format} onChange={(e) => setChannel(i, { format: e.target.value as 'json' })}>
                    <option value="json">JSON (HMAC)</option>
                    <option value="slack">Slack</option>
                    <option value="teams">Microsoft Teams</option>
                  </select>
                </label>
                {input(i, 'secret', c.secret ?? '', (v) => setChannel(i, { secret: v || undefined }), 'password')}
              </>
            )}
            <div className="buttons">
              <button type="button" onClick={() => void test(c.id)}>
                {t('notify.test')}
              </button>
              <button type="button" className="danger" onClick={() => setSettings({ ...settings, channels: settings.channels.filter((_, j) => j !== i) })}>
                {t('notify.remove')}
              </button>
            </div>
          </fieldset>
        ))}
        <div className="buttons">
          <button type="button" onClick={() => setSettings({ ...settings, channels: [...settings.channels, { id: `mail-${settings.channels.length + 1}`, type: 'email', enabled: true, host: '', port: 587, security: 'starttls', from: '', to: [] }] })}>
            {t('notify.addEmail')}
          </button>
          <button type="button" onClick={() => setSettings({ ...settings, channels: [...settings.channels, { id: `hook-${settings.channels.length + 1}`, type: 'webhook', enabled: true, url: '', format: 'json' }] })}>
            {t('notify.addWebhook')}
          </button>
          <label>
            {t('notify.minSeverity')}{' '}
            <select value={settings.minSeverity} onChange={(e) => setSettings({ ...settings, minSeverity: e.target.value as 'info' })}>
              <option value="info">info</option>
              <option value="warning">warning</option>
              <option value="error">error</option>
            </select>
          </label>
          <label>
            <input type="checkbox" checked={settings.openIncidents} onChange={(e) => setSettings({ ...settings, openIncidents: e.target.checked })} /> {t('notify.openIncidents')}
          </label>
          <button type="button" className="primary" onClick={() => void save()}>
            {t('settings.save')}
          </button>
        </div>
        {message && (
          <p role={message.error ? 'alert' : 'status'} className={`notice ${message.error ? 'error' : 'ok'}`}>
            {message.text}
          </p>
        )}
      </section>
      <section aria-labelledby="recent-title">
        <h2 id="recent-title">{t('notify.recent')}</h2>
        <table className="grid">
          <tbody>
            {recent.notifications.map((n) => (
              <tr key={n.id} className={n.severity === 'error' ? 'failed' : n.severity === 'warning' ? 'going' : ''}>
                <td>
                  <time dateTime={n.at}>{new Date(n.at).toLocaleString(i18n.language)}</time>
                </td>
                <td>
                  <span className={`badge ${n.severity}`}>{n.severity}</span>
                </td>
                <td>
                  <strong>{n.title}</strong>
                  <div className="muted">{n.body}</div>
                </td>
                <td>
                  {recent.deliveries
                    .filter((d) => d.notificationId === n.id)
                    .map((d) => `${d.channel}: ${d.status}${d.error ? ` (${d.error})` : ''}`)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
