import { EventEmitter } from 'node:events';

export type Operation = 'create' | 'list' | 'show' | 'restore' | 'restore-in-place' | 'verify' | 'delete' | 'prune' | 'pin' | 'lock-recovered';

export interface ProgressEvent {
  operation: Operation;
  /** What the operation is doing now, e.g. "snapshot", "files", "verify". */
  phase: string;
  done: number;
  total: number;
  unit: 'bytes' | 'chunks' | 'backups';
}

export interface BackupEvents {
  started: [{ operation: Operation; target: string | null; actor: string }];
  progress: [ProgressEvent];
  /** `ts` is the time of the journal record, so that other audit trails can match it. */
  succeeded: [{ ts: string; operation: Operation; target: string | null; actor: string; durationMs: number; details: Record<string, unknown> }];
  warning: [{ operation: Operation; message: string }];
  failed: [{ ts: string; operation: Operation; target: string | null; actor: string; durationMs: number; error: string; code: string; cause: Error }];
}

/** Typed events of the engine; notifications, audit, metrics and live progress subscribe to them. */
export class BackupEventEmitter extends EventEmitter<BackupEvents> {}
