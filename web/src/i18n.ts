import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

const en = {
  app: 'ITSM-Sec Nexus',
  nav: { backups: 'Backups', incidents: 'Incidents', audit: 'Audit', settings: 'Settings', signOut: 'Sign out' },
  login: { title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', failed: 'Sign-in failed' },
  health: {
    title: 'Data protection',
    lastBackup: 'Last good backup',
    none: 'none yet',
    ago: '{{age}} ago',
    rpo: 'RPO target {{hours}} h',
    next: 'Next run',
    storage: 'Repository',
    ratio: '{{ratio}} × database',
    free: 'free disk',
    lastVerify: 'Last verification',
    lastRestore: 'Last restore',
    never: 'never',
    checks: {
      'repository-writable': 'repository writable',
      'repository-mode-0700': 'repository permissions 0700',
      'space-for-next-backup': 'space for the next backup',
      'disk-below-warning': 'disk below the warning threshold',
      'scheduler-running': 'scheduler running',
    },
  },
  backups: {
    title: 'Backups',
    now: 'Back up now',
    running: 'Backup running…',
    busy: 'Another backup or restore is running; try again when it has finished.',
    done: 'Backup {{id}} created.',
    filterClass: 'Class',
    all: 'all',
    empty: 'No backups yet.',
    cols: { time: 'Time', class: 'Class', trigger: 'Trigger / by', size: 'Database', added: 'Added', duration: 'Duration', integrity: 'Integrity', pinned: 'Pinned', actions: 'Actions' },
    actions: { restore: 'Restore', verify: 'Verify', pin: 'Pin', unpin: 'Unpin', delete: 'Delete', details: 'Details' },
    verifyOk: 'Backup {{id}} verified: every chunk read and hashed.',
    verifyFailed: 'Verification of {{id}} found problems.',
    cli: 'CLI equivalent',
  },
  restore: {
    title: 'Restore backup {{id}}',
    what: 'What will happen',
    steps: [
      'The backup is restored and checked beside the live database while the application keeps running.',
      'A safety backup of the current database is taken first, so this restore can be rolled back.',
      'For a few seconds the application is in maintenance mode (other requests get 503).',
      'The database is swapped, reopened and checked; if anything fails, the current database is put back.',
    ],
    typeId: 'Type the backup id to confirm:',
    cancel: 'Cancel',
    start: 'Restore',
    log: 'Progress',
    succeeded: 'Restore finished. Safety backup: {{id}}.',
    failed: 'Restore failed: {{message}}',
    rollback: 'Roll back this restore',
    rollbackConfirm: 'Type ROLLBACK to confirm:',
  },
  del: { title: 'Delete backup {{id}}', typeId: 'Type the backup id to confirm:', only: 'This is the only backup. Deleting it leaves nothing to restore.', start: 'Delete' },
  incidents: { title: 'Incidents', number: 'Number', titleCol: 'Title', status: 'Status', priority: 'Priority', updated: 'Updated', edit: 'Edit', save: 'Save', cancel: 'Cancel' },
  audit: { title: 'Audit trail', action: 'Action', csv: 'Export CSV', cols: { ts: 'Time', actor: 'Who', action: 'Action', target: 'Target', result: 'Result', error: 'Error' } },
  settings: { title: 'Backup settings', save: 'Save', saved: 'Settings saved; schedules apply at once.', timezone: 'Time zone', daily: 'Daily backup at', hourly: 'Hourly backups', keepDaily: 'Keep daily', maxAge: 'Maximum age (days)', rpo: 'RPO target (hours)' },
  notAllowed: 'This page is for administrators.',
  language: 'Language',
};

type Resource = typeof en;

const ja: Resource = {
  app: 'ITSM-Sec Nexus',
  nav: { backups: 'バックアップ', incidents: 'インシデント', audit: '監査ログ', settings: '設定', signOut: 'サインアウト' },
  login: { title: 'サインイン', username: 'ユーザー名', password: 'パスワード', submit: 'サインイン', failed: 'サインインに失敗しました' },
  health: {
    title: 'データ保護の状態',
    lastBackup: '最新の正常なバックアップ',
    none: 'まだありません',
    ago: '{{age}}前',
    rpo: 'RPO 目標 {{hours}} 時間',
    next: '次回実行',
    storage: 'リポジトリ',
    ratio: 'DB の {{ratio}} 倍',
    free: 'ディスク空き',
    lastVerify: '最終検証',
    lastRestore: '最終リストア',
    never: 'なし',
    checks: {
      'repository-writable': 'リポジトリ書き込み可',
      'repository-mode-0700': 'リポジトリ権限 0700',
      'space-for-next-backup': '次回バックアップ分の空き容量',
      'disk-below-warning': 'ディスク使用率が警告値未満',
      'scheduler-running': 'スケジューラー稼働中',
    },
  },
  backups: {
    title: 'バックアップ',
    now: '今すぐバックアップ',
    running: 'バックアップ実行中…',
    busy: '別のバックアップまたはリストアが実行中です。終了後に再度お試しください。',
    done: 'バックアップ {{id}} を作成しました。',
    filterClass: '種別',
    all: 'すべて',
    empty: 'バックアップはまだありません。',
    cols: { time: '日時', class: '種別', trigger: '実行元 / 実行者', size: 'DB サイズ', added: '追加容量', duration: '所要時間', integrity: '整合性', pinned: '保護', actions: '操作' },
    actions: { restore: 'リストア', verify: '検証', pin: '保護する', unpin: '保護解除', delete: '削除', details: '詳細' },
    verifyOk: 'バックアップ {{id}} を検証しました（全チャンクを読み取りハッシュ照合）。',
    verifyFailed: 'バックアップ {{id}} の検証で問題が見つかりました。',
    cli: 'CLI での同等操作',
  },
  restore: {
    title: 'バックアップ {{id}} をリストア',
    what: '実行される内容',
    steps: [
      'アプリケーションを動かしたまま、バックアップを稼働中 DB の横に復元して検査します。',
      '最初に現在の DB の安全バックアップを取得するため、このリストアは元に戻せます。',
      '数秒間メンテナンスモードになります（他のリクエストは 503 になります）。',
      'DB を入れ替えて再オープンし検査します。失敗した場合は現在の DB に戻します。',
    ],
    typeId: '確認のためバックアップ ID を入力してください：',
    cancel: 'キャンセル',
    start: 'リストア',
    log: '進捗',
    succeeded: 'リストアが完了しました。安全バックアップ：{{id}}',
    failed: 'リストアに失敗しました：{{message}}',
    rollback: 'このリストアを元に戻す',
    rollbackConfirm: '確認のため ROLLBACK と入力してください：',
  },
  del: { title: 'バックアップ {{id}} を削除', typeId: '確認のためバックアップ ID を入力してください：', only: 'これが唯一のバックアップです。削除すると復元できるものがなくなります。', start: '削除' },
  incidents: { title: 'インシデント', number: '番号', titleCol: '件名', status: '状態', priority: '優先度', updated: '更新日時', edit: '編集', save: '保存', cancel: 'キャンセル' },
  audit: { title: '監査ログ', action: '操作', csv: 'CSV 出力', cols: { ts: '日時', actor: '実行者', action: '操作', target: '対象', result: '結果', error: 'エラー' } },
  settings: { title: 'バックアップ設定', save: '保存', saved: '設定を保存しました。スケジュールは直ちに反映されます。', timezone: 'タイムゾーン', daily: '日次バックアップ時刻', hourly: '毎時バックアップ', keepDaily: '日次の保持数', maxAge: '最大保持日数', rpo: 'RPO 目標（時間）' },
  notAllowed: 'このページは管理者専用です。',
  language: '言語',
};

const stored = localStorage.getItem('nexus.lang');
const browser = navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ja: { translation: ja } },
  lng: stored ?? browser,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnObjects: true,
});

export function setLanguage(lang: 'en' | 'ja'): void {
  localStorage.setItem('nexus.lang', lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}
document.documentElement.lang = i18n.language;

export default i18n;
