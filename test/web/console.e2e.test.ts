import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, PASSWORD, startServer, type Running } from '../helpers/server.ts';
import { tempDir } from '../helpers/workspace.ts';

const project = path.resolve(import.meta.dirname, '../..');
// `npm run screenshots` refreshes the committed ones; ordinary test runs keep theirs aside.
const screenshots = process.env.NEXUS_SCREENSHOTS ? path.join(project, 'docs', 'screenshots') : tempDir('nexus-screenshots-');

/** Debian's Chromium (installed by .ci/run); never a downloaded browser. */
function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install -y chromium (.ci/run does this)');
  }
}

let browser: Browser;
const contexts: BrowserContext[] = [];

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(project, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: project, stdio: 'pipe' });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function open(r: Running, locale = 'en-US', width = 1280): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(r.url);
  return page;
}

async function signIn(page: Page, username: string, password: string, labels = { user: 'Username', password: 'Password', submit: 'Sign in' }) {
  await page.getByLabel(labels.user).fill(username);
  await page.getByLabel(labels.password).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

describe('admin console in Chromium', () => {
  it('backs up, restores an incident through the typed confirmation, and shows it back as it was', async () => {
    const r = await startServer({ incidents: 300 });
    const page = await open(r);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => page.getByRole('heading', { name: 'Data protection' }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'backups-empty-en.png') });

    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByRole('status').filter({ hasText: /Backup .* created\./ }).waitFor();
    const row = page.locator('tr[data-backup-id]').first();
    const backupId = (await row.getAttribute('data-backup-id'))!;
    expect(await row.textContent()).toContain('manual');

    // Change an incident after the backup.
    await page.getByRole('link', { name: 'Incidents' }).click();
    const incident = page.locator('tr[data-incident="INC-0000300"]');
    const original = (await incident.locator('td.title').textContent())!;
    await incident.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Title').fill('Overwritten by mistake');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => incident.locator('td.title').textContent()).toBe('Overwritten by mistake');

    // Restore: the button stays disabled until the id is typed, and focus starts on Cancel.
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.locator(`tr[data-backup-id="${backupId}"]`).getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    const confirm = dialog.getByRole('button', { name: 'Restore' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the backup id to confirm:').fill(backupId.slice(0, -1));
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the backup id to confirm:').fill(backupId);
    await page.screenshot({ path: path.join(screenshots, 'restore-dialog-en.png') });
    await confirm.click();
    await page.getByRole('status').filter({ hasText: /Restore finished\. Safety backup: / }).waitFor({ timeout: 60_000 });
    const log = await page.getByRole('region', { name: 'Progress' }).textContent();
    expect(log).toMatch(/safety backup .* taken/);
    expect(log).toMatch(/verification queries passed/);
    await page.screenshot({ path: path.join(screenshots, 'restore-done-en.png') });

    // Details show the manifest; prune shows its dry run first; the calendar has today green.
    await page.locator(`tr[data-backup-id="${backupId}"]`).getByRole('button', { name: 'Details' }).click();
    await page.getByRole('dialog').getByText(/^[0-9a-f]{64}$/).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Prune…' }).click();
    await page.getByRole('dialog').getByText(/backup\(s\) would go, freeing/).waitFor();
    expect(await page.getByRole('dialog').locator('tr').count()).toBe(2);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('.calendar li.green').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'backups-after-restore-en.png'), fullPage: true });

    await page.getByRole('link', { name: 'Incidents' }).click();
    await expect.poll(() => page.locator('tr[data-incident="INC-0000300"] td.title').textContent()).toBe(original);
  });

  it('restores to a point in time picked in the date-time field', async () => {
    const r = await startServer({ incidents: 100 });
    const page = await open(r);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByRole('status').filter({ hasText: /Backup .* created\./ }).waitFor();
    const id = (await page.locator('tr[data-backup-id]').first().getAttribute('data-backup-id'))!;
    await page.getByRole('button', { name: 'Restore to a point in time…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`This restores backup ${id}`).waitFor();
    await dialog.getByLabel('Type RESTORE to confirm:').fill('RESTORE');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').filter({ hasText: /Restore finished/ }).waitFor({ timeout: 60_000 });
  });

  it('keeps the backup page from viewers', async () => {
    const r = await startServer({ incidents: 10 });
    await r.server.ctx.users.add({ username: 'vera', role: 'viewer', password: PASSWORD });
    const page = await open(r);
    await signIn(page, 'vera', PASSWORD);
    await page.getByRole('heading', { name: 'Incidents' }).waitFor();
    expect(await page.getByRole('link', { name: 'Backups' }).count()).toBe(0);
    await page.goto(`${r.url}/#/backups`);
    await page.getByRole('alert').filter({ hasText: 'This page is for administrators.' }).waitFor();
    // The server refuses too, whatever the page shows.
    const status = await page.evaluate(async () => (await fetch('/api/v1/backups')).status);
    expect(status).toBe(403);
  });

  it('shows a bad setting next to its field', async () => {
    const r = await startServer();
    const page = await open(r);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Daily backup at').fill('25:00');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('[id="schedule.daily.time-error"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/HH:MM/);
    await page.getByLabel('Daily backup at').fill('03:15');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
    expect(r.server.ctx.settings.get().schedule.daily.time).toBe('03:15');
    await page.screenshot({ path: path.join(screenshots, 'settings-en.png') });
  });

  it('configures a webhook channel, sends a test, and lists notifications', async () => {
    let received = 0;
    const hook = http.createServer((req, res) => {
      received++;
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const r = await startServer({ incidents: 10 });
      const page = await open(r);
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Notifications' }).click();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.getByLabel('URL').fill(`http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Notification settings saved.' }).waitFor();
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByRole('status').filter({ hasText: 'Channel hook-1 accepted the test notification.' }).waitFor();
      expect(received).toBe(1);
      await r.server.ctx.monitor.check(); // no backup yet: the RPO is breached
      await page.reload();
      await page.getByText('RPO breached: no recent backup').waitFor();
      await page.screenshot({ path: path.join(screenshots, 'notifications-en.png'), fullPage: true });
    } finally {
      hook.close();
    }
  });

  it('speaks Japanese to a Japanese browser, and can switch', async () => {
    const r = await startServer({ incidents: 50 });
    const page = await open(r, 'ja-JP');
    await signIn(page, 'admin', ADMIN_PASSWORD, { user: 'ユーザー名', password: 'パスワード', submit: 'サインイン' });
    await page.getByRole('heading', { name: 'データ保護の状態' }).waitFor();
    await page.getByRole('button', { name: '今すぐバックアップ' }).click();
    await page.getByRole('status').filter({ hasText: /を作成しました/ }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'backups-ja.png') });
    await page.getByLabel('言語').selectOption('en');
    await page.getByRole('heading', { name: 'Data protection' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'backups-en.png') });
    expect(fs.existsSync(path.join(screenshots, 'backups-ja.png'))).toBe(true);
  });
});
