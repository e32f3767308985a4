import type Database from 'better-sqlite3';

/**
 * Realistic demo data for ITSM-Sec Nexus: users, incidents with free-text descriptions and an
 * audit trail. Deterministic for a given seed, so benchmarks and tests are repeatable.
 */

const CATEGORIES = ['network', 'identity', 'endpoint', 'email', 'database', 'application', 'security', 'hardware'];
const SYSTEMS = ['VPN gateway', 'Active Directory', 'Exchange Online', 'ERP (SAP)', 'file server FS01', 'Wi-Fi controller',
  'EDR agent', 'payroll system', 'CRM', 'print server', 'SIEM', 'backup appliance', 'firewall FW-02', 'HR portal'];
const SYMPTOMS = ['is unreachable', 'responds slowly', 'rejects valid credentials', 'shows certificate errors',
  'raised a malware alert', 'drops connections every few minutes', 'returns HTTP 500', 'fills its disk',
  'reports failed logins from an unknown country', 'cannot sync mailboxes', 'crashes on start', 'loses its license'];
const DEPARTMENTS = ['Finance', 'Sales', 'Tokyo office', 'Osaka office', 'Engineering', 'Support desk', 'Legal', 'HR'];
const SENTENCES = [
  'Users in {dept} report that the {system} {symptom} since this morning.',
  'The issue started after the change window last night; change CHG-{n} may be related.',
  'Checked the event log: repeated warnings with code 0x{hex} appear every {m} minutes.',
  'Workaround: restart the service and clear the local cache; the problem returns after about {m} minutes.',
  'Escalated to the second-level team; vendor ticket {hex}-{n} opened with severity {p}.',
  'Security review: no indicators of compromise found on the affected hosts so far.',
  'Affected hosts: {host}, {host2} and {host3}. Monitoring shows CPU above {pct}% during the incident.',
  'The caller confirmed the impact on {n} users and asked for an update before the end of the day.',
  'Root cause analysis pending; the problem record PRB-{n} will track the permanent fix.',
  '影響範囲は{dept}の約{n}名。一時回避策としてサービスを再起動済み。',
  'ベンダーへ問い合わせ中（チケット番号 {hex}-{n}）。次回更新は{m}分後の予定。',
];
const STATUSES = ['new', 'in_progress', 'on_hold', 'resolved', 'closed'] as const;
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const ACTIONS = ['incident.create', 'incident.update', 'incident.assign', 'incident.resolve', 'user.login'];

/** Small fast PRNG (mulberry32); Math.random cannot be seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  incidents: number;
  users?: number;
  seed?: number;
  /** Timestamp of the newest incident; older ones go back one minute each. */
  now?: Date;
}

export interface SeedResult {
  users: number;
  incidents: number;
  auditLogs: number;
}

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

function description(rnd: () => number): string {
  const count = 2 + Math.floor(rnd() * 6);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      pick(rnd, SENTENCES).replace(/\{(\w+)\}/g, (_, key: string) => {
        switch (key) {
          case 'dept': return pick(rnd, DEPARTMENTS);
          case 'system': return pick(rnd, SYSTEMS);
          case 'symptom': return pick(rnd, SYMPTOMS);
          case 'hex': return Math.floor(rnd() * 0xffffff).toString(16).toUpperCase();
          case 'm': return String(1 + Math.floor(rnd() * 59));
          case 'p': return pick(rnd, PRIORITIES);
          case 'pct': return String(50 + Math.floor(rnd() * 50));
          case 'host': case 'host2': case 'host3': return `srv-${pick(rnd, CATEGORIES)}-${Math.floor(rnd() * 400)}`;
          default: return String(Math.floor(rnd() * 100000));
        }
      }),
    );
  }
  return parts.join(' ');
}

/** Inserts demo data; existing rows are kept and numbering continues after them. */
export function seedDatabase(db: Database.Database, options: SeedOptions): SeedResult {
  const rnd = prng(options.seed ?? 42);
  const now = (options.now ?? new Date()).getTime();
  const userCount = options.users ?? Math.max(5, Math.min(500, Math.ceil(options.incidents / 200)));
  const roleIds = new Map(
    (db.prepare('SELECT id, name FROM roles').all() as { id: number; name: string }[]).map((r) => [r.name, r.id]),
  );
  const insertUser = db.prepare(
    `INSERT OR IGNORE INTO users (username, display_name, email, role_id, active, created_at, updated_at)
     VALUES (?, ?, ?, ?, 1, ?, ?)`,
  );
  const insertIncident = db.prepare(
    `INSERT INTO incidents (number, title, description, status, priority, category, assignee_id, reporter_id,
                            created_at, updated_at, resolved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAudit = db.prepare(
    `INSERT INTO audit_logs (ts, user_id, actor, action, target, result, error, details)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?)`,
  );
  const roles = ['operator', 'operator', 'operator', 'viewer', 'auditor'];
  let auditLogs = 0;
  db.transaction(() => {
    const created = new Date(now - options.incidents * 60_000).toISOString();
    for (let i = 1; i <= userCount; i++) {
      const role = roleIds.get(roles[i % roles.length]!)!;
      insertUser.run(`user${i}`, `Demo User ${i}`, `user${i}@example.com`, role, created, created);
    }
    const userIds = (db.prepare('SELECT id FROM users').all() as { id: number }[]).map((u) => u.id);
    const first = ((db.prepare('SELECT max(id) AS m FROM incidents').get() as { m: number | null }).m ?? 0) + 1;
    for (let n = first; n < first + options.incidents; n++) {
      const createdAt = new Date(now - (first + options.incidents - n) * 60_000).toISOString();
      const status = pick(rnd, STATUSES);
      const resolved = status === 'resolved' || status === 'closed' ? createdAt : null;
      const assignee = pick(rnd, userIds);
      const reporter = pick(rnd, userIds);
      const number = `INC-${String(n).padStart(7, '0')}`;
      insertIncident.run(
        number,
        `${pick(rnd, SYSTEMS)} ${pick(rnd, SYMPTOMS)} (${pick(rnd, DEPARTMENTS)})`,
        description(rnd),
        status,
        pick(rnd, PRIORITIES),
        pick(rnd, CATEGORIES),
        assignee,
        reporter,
        createdAt,
        createdAt,
        resolved,
      );
      const events = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < events; e++) {
        insertAudit.run(createdAt, reporter, `user${reporter}`, pick(rnd, ACTIONS), number, 'success',
          JSON.stringify({ ip: `10.${n % 256}.${e}.${Math.floor(rnd() * 255)}`, agent: 'nexus-web' }));
        auditLogs++;
      }
    }
  }).immediate();
  return { users: userCount, incidents: options.incidents, auditLogs };
}

/**
 * Changes about `fraction` of the incident rows the way an ITSM desk does: updates to recent,
 * still-open work plus a few new incidents, each leaving audit records. Used by tests and the
 * benchmark to model the churn between two backups.
 */
export function churnDatabase(db: Database.Database, fraction: number, seed = 7): { updated: number; inserted: number } {
  const rnd = prng(seed);
  const total = (db.prepare('SELECT count(*) AS c FROM incidents').get() as { c: number }).c;
  const changes = Math.max(1, Math.round(total * fraction));
  const inserted = Math.max(1, Math.round(changes / 4));
  const updated = changes - inserted;
  const maxId = (db.prepare('SELECT max(id) AS m FROM incidents').get() as { m: number }).m;
  const update = db.prepare(
    `UPDATE incidents SET status = ?, updated_at = ?, description = description || ? WHERE id = ?`,
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    // Recent incidents get most of the attention: pick ids from the newest 10 %.
    const window = Math.max(updated, Math.ceil(maxId * 0.1));
    for (let i = 0; i < updated; i++) {
      const id = maxId - Math.floor(rnd() * window);
      update.run(pick(rnd, STATUSES), now, ` Update ${i}: ${description(rnd)}`, id);
    }
  }).immediate();
  seedDatabase(db, { incidents: inserted, seed: seed + 1, users: 1 });
  return { updated, inserted };
}
