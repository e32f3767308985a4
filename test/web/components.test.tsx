// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import '../../web/src/i18n.ts';
import { setLanguage } from '../../web/src/i18n.ts';
import { ApiError, type Backup } from '../../web/src/api.ts';
import { BackupTable } from '../../web/src/components/BackupTable.tsx';
import { TypedConfirm } from '../../web/src/components/TypedConfirm.tsx';
import { SettingsForm, type Settings } from '../../web/src/pages/Settings.tsx';

afterEach(cleanup);

const backup = (id: string, createdAt: string, extra: Partial<Backup> = {}): Backup => ({
  id,
  createdAt,
  class: 'daily',
  trigger: 'schedule',
  actor: 'scheduler',
  tag: null,
  pinned: false,
  databaseBytes: 10 * 1024 * 1024,
  newBytes: 2048,
  sha256: 'a'.repeat(64),
  integrity: 'ok',
  durationMs: 1234,
  appVersion: '0.1.0',
  schemaVersion: 2,
  status: 'success',
  verify: null,
  retention: { keep: true, reasons: ['daily'] },
  ...extra,
});

describe('backup list', () => {
  it('shows newest first, sorts by a column, and never offers to delete a pinned backup', () => {
    setLanguage('en');
    const calls: string[] = [];
    const record = (what: string) => (b: Backup) => calls.push(`${what} ${b.id}`);
    render(
      <BackupTable
        backups={[
          backup('2026-11-24T02:00:00Z-aaaa', '2026-11-24T02:00:00.000Z', { databaseBytes: 3 * 1024 * 1024 }),
          backup('2026-11-25T02:00:00Z-bbbb', '2026-11-25T02:00:00.000Z', { pinned: true }),
          backup('2026-11-23T02:00:00Z-cccc', '2026-11-23T02:00:00.000Z', { status: 'warning', verify: { at: '2026-11-24T05:00:00.000Z', ok: false } }),
          backup('2026-11-22T02:00:00Z-dddd', '2026-11-22T02:00:00.000Z', { retention: { keep: false, reasons: ['superseded by a newer backup in the same period (daily 2026-11-22)'] } }),
        ]}
        busy={false}
        onRestore={record('restore')}
        onVerify={record('verify')}
        onPin={record('pin')}
        onDelete={record('delete')}
        onDetails={record('details')}
      />,
    );
    const ids = () => [...document.querySelectorAll('tr[data-backup-id]')].map((r) => r.getAttribute('data-backup-id'));
    expect(ids()).toEqual(['2026-11-25T02:00:00Z-bbbb', '2026-11-24T02:00:00Z-aaaa', '2026-11-23T02:00:00Z-cccc', '2026-11-22T02:00:00Z-dddd']);
    // A failed verification stands out; the backup retention removes next is marked, with the rule.
    const failed = document.querySelector('tr[data-backup-id="2026-11-23T02:00:00Z-cccc"]')!;
    expect(failed.className).toBe('failed');
    expect(failed.textContent).toContain('Warning');
    expect(failed.textContent).toContain('Failed');
    const going = document.querySelector('tr[data-backup-id="2026-11-22T02:00:00Z-dddd"]')!;
    expect(going.className).toBe('going');
    expect(going.textContent).toContain('goes at the next prune: superseded by a newer backup in the same period (daily 2026-11-22)');
    const pinnedRow = document.querySelector('tr[data-backup-id="2026-11-25T02:00:00Z-bbbb"]')!;
    expect(pinnedRow.querySelector('button.danger')!.hasAttribute('disabled')).toBe(true);
    expect(pinnedRow.textContent).toContain('Unpin');

    fireEvent.click(screen.getByRole('button', { name: 'Database' }));
    expect(ids().at(-1)).toBe('2026-11-24T02:00:00Z-aaaa'); // numbers sort largest first
    fireEvent.click(screen.getByRole('button', { name: 'Database' }));
    expect(ids()[0]).toBe('2026-11-24T02:00:00Z-aaaa');
    const row = document.querySelector('tr[data-backup-id="2026-11-24T02:00:00Z-aaaa"]')!;
    fireEvent.click(within(row as HTMLElement).getByRole('button', { name: 'Restore' }));
    fireEvent.click(within(row as HTMLElement).getByRole('button', { name: 'Details' }));
    expect(calls).toEqual(['restore 2026-11-24T02:00:00Z-aaaa', 'details 2026-11-24T02:00:00Z-aaaa']);
  });

  it('disables starting another job while one runs', () => {
    render(<BackupTable backups={[backup('2026-11-24T02:00:00Z-aaaa', '2026-11-24T02:00:00.000Z')]} busy onRestore={() => undefined} onVerify={() => undefined} onPin={() => undefined} onDelete={() => undefined} onDetails={() => undefined} />);
    expect(screen.getByRole('button', { name: 'Restore' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Verify' }).hasAttribute('disabled')).toBe(true);
  });
});

describe('restore dialog (typed confirmation)', () => {
  it('starts on Cancel, and enables the action only for the exact id', () => {
    const done: string[] = [];
    render(
      <TypedConfirm title="Restore backup X" prompt="Type the backup id to confirm:" word="2026-11-24T02:00:00Z-aaaa" action="Restore" danger onConfirm={() => done.push('confirm')} onCancel={() => done.push('cancel')} />,
    );
    expect(document.activeElement?.textContent).toBe('Cancel');
    const action = screen.getByRole('button', { name: 'Restore' });
    expect(action.hasAttribute('disabled')).toBe(true);
    const input = screen.getByLabelText('Type the backup id to confirm:');
    fireEvent.change(input, { target: { value: '2026-11-24T02:00:00Z-aaa' } });
    expect(action.hasAttribute('disabled')).toBe(true);
    fireEvent.change(input, { target: { value: '2026-11-24T02:00:00Z-aaaa' } });
    expect(action.hasAttribute('disabled')).toBe(false);
    fireEvent.click(action);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(done).toEqual(['confirm', 'cancel']);
  });
});

describe('settings form', () => {
  const settings: Settings = {
    schedule: {
      timezone: 'Asia/Tokyo',
      hourly: { enabled: true, minute: 0 },
      daily: { enabled: true, time: '02:00' },
      weekly: { enabled: true, day: 0, time: '02:00' },
      monthly: { enabled: true, day: 1, time: '02:00' },
      verify: { enabled: true, day: 0, time: '05:00', readData: true },
    },
    retention: { keepHourly: 24, keepDaily: 30, keepWeekly: 8, keepMonthly: 12, maxAgeDays: 30 },
    compression: 'brotli',
    alerts: { rpoHours: 1, diskWarningPercent: 80, diskCriticalPercent: 90 },
  };

  it('shows the server’s validation error next to the field, and clears it once saved', async () => {
    const sent: Settings[] = [];
    const save = async (s: Settings) => {
      sent.push(s);
      if (s.schedule.daily.time === '25:00') {
        throw new ApiError({ type: 'urn:itsm-sec-nexus:problem:validation', title: 'Invalid request', status: 400, errors: [{ field: 'schedule.daily.time', message: 'a time of day as HH:MM (24 h)' }] });
      }
      return s;
    };
    render(<SettingsForm initial={settings} save={save} />);
    fireEvent.change(screen.getByLabelText('Daily backup at'), { target: { value: '25:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(document.getElementById('schedule.daily.time-error')?.textContent).toBe('a time of day as HH:MM (24 h)'));
    fireEvent.change(screen.getByLabelText('Daily backup at'), { target: { value: '03:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Settings saved/));
    expect(document.getElementById('schedule.daily.time-error')).toBeNull();
    expect(sent.map((s) => s.schedule.daily.time)).toEqual(['25:00', '03:00']);
    // Other fields go along unchanged, and edits reach the right place.
    fireEvent.change(screen.getByLabelText('Weekly on'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Keep monthly'), { target: { value: '24' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(sent).toHaveLength(3));
    expect(sent[2]).toEqual({ ...settings, schedule: { ...settings.schedule, daily: { enabled: true, time: '03:00' }, weekly: { enabled: true, day: 3, time: '02:00' } }, retention: { ...settings.retention, keepMonthly: 24 } });
  });
});
