import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { BackupService } from '../backup/service.ts';
import type { Operation, ProgressEvent } from '../backup/events.ts';
import { BackupError } from '../backup/errors.ts';

export type JobKind = 'create' | 'restore' | 'verify' | 'prune';
export type JobStatus = 'running' | 'succeeded' | 'failed';

export interface Job {
  id: string;
  kind: JobKind;
  actor: string;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: ProgressEvent | null;
  /** Steps of the job in words (e.g. the stages of an in-place restore), for the progress log. */
  log: { ts: string; message: string }[];
  result: unknown;
  error: { code: string; message: string } | null;
}

export type JobEvent =
  | { type: 'progress'; job: Job; progress: ProgressEvent }
  | { type: 'log'; job: Job; message: string }
  | { type: 'finished'; job: Job };

const KEEP_FINISHED = 100;

/**
 * Long backup operations run as jobs: the request that starts one gets its id at once (202),
 * and progress is pushed to whoever follows it (GET /jobs/:id, SSE /jobs/:id/events).
 */
export class Jobs {
  private readonly jobs = new Map<string, Job>();
  readonly events = new EventEmitter<{ event: [JobEvent] }>();

  constructor(backups: BackupService) {
    backups.events.on('progress', (p) => {
      for (const job of this.jobs.values()) {
        if (job.status === 'running' && matches(job.kind, p.operation)) {
          job.progress = p;
          this.events.emit('event', { type: 'progress', job, progress: p });
        }
      }
    });
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  running(): Job[] {
    return [...this.jobs.values()].filter((j) => j.status === 'running');
  }

  /**
   * Starts a job and waits until it has either got going (first progress) or failed; a job
   * refused at once (e.g. the repository is busy) rejects here, so the caller can answer 409
   * instead of 202.
   */
  async start(kind: JobKind, actor: string, work: (log: (message: string) => void) => Promise<unknown>): Promise<Job> {
    const job: Job = {
      id: crypto.randomUUID(),
      kind,
      actor,
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      log: [],
      result: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    this.trim();
    const log = (message: string) => {
      job.log.push({ ts: new Date().toISOString(), message });
      this.events.emit('event', { type: 'log', job, message });
    };
    const done = work(log).then(
      (result) => {
        job.result = result;
        job.status = 'succeeded';
      },
      (err: unknown) => {
        job.error = err instanceof BackupError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: (err as Error).message };
        job.status = 'failed';
      },
    );
    void done.then(() => {
      job.finishedAt = new Date().toISOString();
      this.events.emit('event', { type: 'finished', job });
    });
    await Promise.race([done, this.firstSign(job), new Promise((r) => setTimeout(r, 2000))]);
    if (job.status === 'failed' && job.error?.code === 'BUSY') throw new BackupError('BUSY', job.error.message);
    return job;
  }

  private firstSign(job: Job): Promise<void> {
    return new Promise((resolve) => {
      const listener = (e: JobEvent) => {
        if (e.job === job) {
          this.events.off('event', listener);
          resolve();
        }
      };
      this.events.on('event', listener);
    });
  }

  private trim(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}

function matches(kind: JobKind, operation: Operation): boolean {
  // An in-place restore takes a safety backup first: its progress belongs to the restore job.
  return kind === operation || (kind === 'restore' && operation === 'create');
}
