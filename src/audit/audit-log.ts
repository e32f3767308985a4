import type { AppDatabase } from '../db/app-database.ts';
import type { JournalInput, JournalRecord } from '../repository/journal.ts';

/** A journal record's fields, plus the user behind the actor; the time defaults to now. */
export interface AuditEntry extends Omit<JournalInput, 'ts'> {
  userId: number | null;
  ts?: string;
  /** Already in the repository's journal (the engine's own records, re-imports). */
  journaled?: boolean;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  result?: 'success' | 'failure';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** A stored audit record: an entry with its row id, its time set and its details parsed. */
export interface AuditRow extends Omit<AuditEntry, 'ts' | 'details' | 'journaled'> {
  id: number;
  ts: string;
  details: Record<string, unknown> | null;
}

/**
 * The application's audit log (`audit_logs`): who did what, when, with what result. Records of
 * backup actions also go to the repository's hash-chained journal (through `journal`), which
 * survives a restore that rolls the database back.
 */
export class AuditLog {
  constructor(
    private readonly db: AppDatabase,
    private readonly journal?: (entry: AuditEntry) => Promise<void>,
  ) {}

  record(input: AuditEntry): void {
    // One timestamp for both trails, so that importJournal() recognises the record later.
    const entry = { ...input, ts: input.ts ?? new Date().toISOString() };
    if (this.journal && !entry.journaled && entry.action.startsWith('backup.')) void this.journal(entry);
    if (!this.db.isOpen) return; // during the swap of an in-place restore; re-imported from the journal
    this.db.conn
      .prepare('INSERT INTO audit_logs (ts, user_id, actor, action, target, result, error, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        entry.ts,
        entry.userId,
        entry.actor,
        entry.action,
        entry.target,
        entry.result,
        entry.error,
        entry.details ? JSON.stringify(entry.details) : null,
      );
  }

  /**
   * Adds the journal's records that the audit log lacks: operations of the CLI (which writes
   * only the journal), and those a restore rolled back. Returns how many were added.
   */
  importJournal(records: readonly JournalRecord[], userIdOf: (actor: string) => number | null): number {
    const exists = this.db.conn.prepare('SELECT 1 FROM audit_logs WHERE ts = ? AND action = ? AND actor = ?');
    let imported = 0;
    this.db.conn.transaction(() => {
      for (const r of records) {
        if (exists.get(r.ts, r.action, r.actor)) continue;
        this.record({ ts: r.ts, userId: userIdOf(r.actor), actor: r.actor, action: r.action, target: r.target, result: r.result, error: r.error, details: { ...r.details, journalSeq: r.seq }, journaled: true });
        imported++;
      }
    })();
    return imported;
  }

  /** `action` may end in `*` for a prefix match (`backup.*`). Newest first. */
  query(q: AuditQuery): { total: number; rows: AuditRow[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.action) {
      if (q.action.endsWith('*')) {
        where.push("action LIKE ? ESCAPE '\\'");
        args.push(`${q.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      } else {
        where.push('action = ?');
        args.push(q.action);
      }
    }
    // Times are stored as UTC ISO strings: compare like with like, whatever offset was given.
    const iso = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const filters: [string, string | undefined][] = [
      ['actor = ?', q.actor],
      ['result = ?', q.result],
      ['ts >= ?', iso(q.from)],
      ['ts <= ?', iso(q.to)],
    ];
    for (const [condition, value] of filters) {
      if (value === undefined) continue;
      where.push(condition);
      args.push(value);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.conn.prepare(`SELECT count(*) AS c FROM audit_logs ${clause}`).get(...args) as { c: number }).c;
    const rows = this.db.conn
      .prepare(
        `SELECT id, ts, user_id AS userId, actor, action, target, result, error, details FROM audit_logs ${clause}
         ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, q.limit, q.offset) as (Omit<AuditRow, 'details'> & { details: string | null })[];
    return { total, rows: rows.map((r) => ({ ...r, details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null })) };
  }
}

/** RFC 4180 CSV, with cells that a spreadsheet would run as formulas defused. */
export function auditCsv(rows: AuditRow[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['id', 'ts', 'user_id', 'actor', 'action', 'target', 'result', 'error', 'details'];
  const lines = rows.map((r) => [r.id, r.ts, r.userId, r.actor, r.action, r.target, r.result, r.error, r.details].map(cell).join(','));
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
