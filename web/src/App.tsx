import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, setCsrf, type Me } from './api.ts';
import { setLanguage } from './i18n.ts';
import { Login } from './pages/Login.tsx';
import { BackupsPage } from './pages/Backups.tsx';
import { IncidentsPage } from './pages/Incidents.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { NotificationsPage } from './pages/Notifications.tsx';

type Page = 'backups' | 'incidents' | 'audit' | 'settings' | 'notifications';

/** Which pages a role may open; the server checks again on every request. */
const PAGES: Record<Page, Me['user']['role'][]> = {
  backups: ['admin'],
  incidents: ['admin', 'operator', 'auditor', 'viewer'],
  audit: ['admin', 'auditor'],
  settings: ['admin'],
  notifications: ['admin'],
};

function pageFromHash(): Page {
  const h = location.hash.replace(/^#\/?/, '');
  return (Object.keys(PAGES) as Page[]).includes(h as Page) ? (h as Page) : 'backups';
}

export function App() {
  const { t, i18n } = useTranslation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [page, setPage] = useState<Page>(pageFromHash());

  useEffect(() => {
    api<Me>('GET', '/api/v1/auth/me').then(
      (m) => {
        setCsrf(m.csrfToken);
        setMe(m);
      },
      () => setMe(null),
    );
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (me === undefined) return null;
  if (me === null)
    return (
      <Login
        onSignedIn={(m) => {
          setCsrf(m.csrfToken);
          setMe(m);
          if (!PAGES[pageFromHash()].includes(m.user.role)) location.hash = '#/incidents';
        }}
      />
    );

  const allowed = (Object.keys(PAGES) as Page[]).filter((p) => PAGES[p].includes(me.user.role));
  const signOut = async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => undefined);
    setCsrf(null);
    setMe(null);
  };

  return (
    <div className="shell">
      <header className="topbar">
        <strong>{t('app')}</strong>
        <nav aria-label="main">
          {allowed.map((p) => (
            <a key={p} href={`#/${p}`} aria-current={p === page ? 'page' : undefined}>
              {t(`nav.${p}`)}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <label>
          {t('language')}{' '}
          <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as 'en' | 'ja')}>
            <option value="ja">日本語</option>
            <option value="en">English</option>
          </select>
        </label>
        <span className="who">
          {me.user.displayName} ({me.user.role})
        </span>
        <button type="button" onClick={() => void signOut()}>
          {t('nav.signOut')}
        </button>
      </header>
      <main>
        {!PAGES[page].includes(me.user.role) ? (
          <p role="alert" className="notice error">
            {t('notAllowed')}
          </p>
        ) : page === 'backups' ? (
          <BackupsPage />
        ) : page === 'incidents' ? (
          <IncidentsPage canEdit={me.user.role === 'admin' || me.user.role === 'operator'} />
        ) : page === 'audit' ? (
          <AuditPage />
        ) : page === 'notifications' ? (
          <NotificationsPage />
        ) : (
          <SettingsPage />
        )}
      </main>
    </div>
  );
}
