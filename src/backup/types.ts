import type { CodecName } from '../repository/codec.ts';
import type { BackupClass, Trigger } from '../repository/manifest.ts';
import type { RetentionDecision } from './retention.ts';

/** Who asked: "os:alice@host", "user:admin", "scheduler". Recorded in the audit journal. */
export interface Caller {
  actor: string;
}

export interface CreateOptions extends Caller {
  trigger: Trigger;
  class?: BackupClass;
  tag?: string | null;
  /** Compression for the chunks this backup adds (default: the repository's); recorded per chunk. */
  codec?: CodecName;
}

/** One line of the backup list; the `backups` catalog table holds the same. */
export interface BackupSummary {
  id: string;
  createdAt: string;
  class: BackupClass;
  trigger: Trigger;
  actor: string;
  tag: string | null;
  pinned: boolean;
  databaseBytes: number;
  logicalBytes: number;
  storedBytes: number;
  newBytes: number;
  sha256: string;
  integrity: string;
  durationMs: number;
  appVersion: string;
  schemaVersion: number;
  files: number;
}

export interface RestoreOptions extends Caller {
  id?: string;
  at?: string;
  to: string;
  force?: boolean;
  /** Restore the backed-up log and attachment files under the target's directory too (default true). */
  files?: boolean;
  /**
   * Run the full integrity_check on the restored file instead of quick_check. The default is
   * quick_check: the restored file's SHA-256 equals that of the snapshot that already passed the
   * full check when the backup was taken, so the full check would only repeat it (3 s per GB).
   */
  fullCheck?: boolean;
}

export interface RestoreResult {
  id: string;
  createdAt: string;
  path: string;
  bytes: number;
  sha256: string;
  integrity: string;
  files: number;
  durationMs: number;
  /** Set when the backup's schema is older and will be migrated forward when the application opens it. */
  note: string | null;
}

export interface VerifyProblem {
  kind: 'missing-chunk' | 'corrupt-chunk' | 'damaged-manifest';
  object: string;
  detail: string;
  /** Ids of the backups that cannot be restored because of this problem. */
  affects: string[];
}

export interface VerifyReport {
  ok: boolean;
  readData: boolean;
  backups: number;
  chunks: number;
  bytesRead: number;
  problems: VerifyProblem[];
  journal: { records: number; brokenAt: number | null };
  durationMs: number;
}

export interface PruneResult {
  dryRun: boolean;
  decisions: RetentionDecision[];
  removed: string[];
  chunksRemoved: number;
  bytesFreed: number;
  durationMs: number;
}

/** Progress of the running operation's current phase. */
export type ProgressReporter = (phase: string, done: number, total: number, unit: 'bytes' | 'chunks' | 'backups') => void;
