import { z } from 'zod';

/**
 * Retention: which backups to keep. Each keep-* rule walks the backups from newest to oldest
 * and keeps the newest backup of each of the N most recent hours / days / ISO weeks / months
 * (UTC) that have one, as restic's forget does. `maxAgeDays` caps the hourly and daily rules:
 * older backups survive only as weekly or monthly representatives, or when pinned. The newest
 * backup is always kept, and so is every pinned one.
 */
export const retentionPolicySchema = z.object({
  keepHourly: z.number().int().min(0).max(10_000),
  keepDaily: z.number().int().min(0).max(10_000),
  keepWeekly: z.number().int().min(0).max(10_000),
  keepMonthly: z.number().int().min(0).max(10_000),
  maxAgeDays: z.number().int().min(1).max(36_500),
}).strict();
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export const DEFAULT_RETENTION: RetentionPolicy = {
  keepHourly: 24,
  keepDaily: 30,
  keepWeekly: 8,
  keepMonthly: 12,
  maxAgeDays: 30,
};

export interface RetentionCandidate {
  id: string;
  createdAt: string;
  pinned: boolean;
}

export interface RetentionDecision {
  id: string;
  createdAt: string;
  keep: boolean;
  /** Why it stays (rules that select it) or why it goes. */
  reasons: string[];
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const RULES: { name: string; key: keyof RetentionPolicy; bucket: (d: Date) => string; capped: boolean }[] = [
  { name: 'hourly', key: 'keepHourly', bucket: (d) => d.toISOString().slice(0, 13), capped: true },
  { name: 'daily', key: 'keepDaily', bucket: (d) => d.toISOString().slice(0, 10), capped: true },
  { name: 'weekly', key: 'keepWeekly', bucket: isoWeek, capped: false },
  { name: 'monthly', key: 'keepMonthly', bucket: (d) => d.toISOString().slice(0, 7), capped: false },
];

export function applyRetention(
  backups: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  now: Date = new Date(),
): RetentionDecision[] {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const reasons = new Map<string, string[]>(newestFirst.map((b) => [b.id, []]));
  const cutoff = now.getTime() - policy.maxAgeDays * 86_400_000;
  if (newestFirst[0]) reasons.get(newestFirst[0].id)!.push('latest');
  for (const b of newestFirst) if (b.pinned) reasons.get(b.id)!.push('pinned');
  const supersededIn = new Map<string, string>();
  for (const rule of RULES) {
    const limit = policy[rule.key];
    const seen = new Set<string>();
    for (const b of newestFirst) {
      if (seen.size >= limit) break;
      const created = new Date(b.createdAt);
      if (rule.capped && created.getTime() < cutoff) break;
      const bucket = rule.bucket(created);
      if (seen.has(bucket)) {
        if (!supersededIn.has(b.id)) supersededIn.set(b.id, `${rule.name} ${bucket}`);
        continue;
      }
      seen.add(bucket);
      reasons.get(b.id)!.push(`${rule.name} ${bucket}`);
    }
  }
  return newestFirst.map((b) => {
    const kept = reasons.get(b.id)!;
    if (kept.length > 0) return { id: b.id, createdAt: b.createdAt, keep: true, reasons: kept };
    const old = new Date(b.createdAt).getTime() < cutoff;
    const superseded = supersededIn.get(b.id);
    const why = old
      ? `older than ${policy.maxAgeDays} days and not a weekly or monthly keeper`
      : superseded
        ? `superseded by a newer backup in the same period (${superseded})`
        : 'beyond the keep-hourly/daily/weekly/monthly counts';
    return { id: b.id, createdAt: b.createdAt, keep: false, reasons: [why] };
  });
}
