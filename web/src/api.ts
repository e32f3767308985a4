/** The console's client for the server's API: JSON, session cookie, CSRF header, problem+json errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

let csrfToken: string | null = null;
export const setCsrf = (token: string | null) => {
  csrfToken = token;
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    throw new ApiError((data as Problem | null) ?? { type: 'about:blank', title: res.statusText, status: res.status });
  }
  return data as T;
}

export interface Me {
  user: { id: number; username: string; displayName: string; role: 'admin' | 'operator' | 'auditor' | 'viewer' };
  csrfToken: string | null;
}

export interface Backup {
  id: string;
  createdAt: string;
  class: string;
  trigger: string;
  actor: string;
  tag: string | null;
  pinned: boolean;
  databaseBytes: number;
  newBytes: number;
  sha256: string;
  integrity: string;
  durationMs: number;
  appVersion: string;
  schemaVersion: number;
  status: 'success' | 'warning';
  verify: { at: string; ok: boolean } | null;
  retention: { keep: boolean; reasons: string[] };
}

export interface FailedAttempt {
  at: string;
  actor: string;
  error: string | null;
}

export interface Job {
  id: string;
  kind: string;
  status: 'running' | 'succeeded' | 'failed';
  progress: { phase: string; done: number; total: number; unit: string } | null;
  log: { ts: string; message: string }[];
  result: unknown;
  error: { code: string; message: string } | null;
}

/** Follows a job's server-sent events until it finishes. */
export function followJob(id: string, onUpdate: (job: Job, event: string, data: unknown) => void): Promise<Job> {
  return new Promise((resolve) => {
    const source = new EventSource(`/api/v1/jobs/${id}/events`);
    let job: Job | null = null;
    source.addEventListener('state', (e) => {
      job = JSON.parse((e as MessageEvent).data) as Job;
      onUpdate(job, 'state', job);
    });
    source.addEventListener('progress', (e) => {
      if (!job) return;
      job = { ...job, progress: JSON.parse((e as MessageEvent).data) };
      onUpdate(job, 'progress', job.progress);
    });
    source.addEventListener('log', (e) => {
      if (!job) return;
      const { message } = JSON.parse((e as MessageEvent).data) as { message: string };
      job = { ...job, log: [...job.log, { ts: new Date().toISOString(), message }] };
      onUpdate(job, 'log', message);
    });
    source.addEventListener('finished', (e) => {
      const done = JSON.parse((e as MessageEvent).data) as Job;
      source.close();
      onUpdate(done, 'finished', done);
      resolve(done);
    });
    // The stream drops while the database is swapped; poll the job until it answers again.
    source.onerror = () => {
      source.close();
      const poll = async () => {
        try {
          const j = await api<Job>('GET', `/api/v1/jobs/${id}`);
          onUpdate(j, j.status === 'running' ? 'state' : 'finished', j);
          if (j.status !== 'running') return resolve(j);
        } catch {
          // 503 during the swap
        }
        setTimeout(poll, 500);
      };
      void poll();
    };
  });
}

// One way to write sizes, in the console and the CLI alike.
export { formatBytes } from '../../src/cli/format.ts';
