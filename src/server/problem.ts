import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { BackupError, type BackupErrorCode } from '../backup/errors.ts';

/**
 * RFC 9457 problem details. `type` is a stable URN per kind of problem, so clients can branch
 * on it; `detail` is for people. Never a stack trace.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const problemType = (slug: string) => `urn:itsm-sec-nexus:problem:${slug}`;

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const BACKUP_STATUS: Record<BackupErrorCode, [number, string]> = {
  BUSY: [409, 'Another backup operation is running'],
  NOT_FOUND: [404, 'Not found'],
  INVALID_ARGUMENT: [400, 'Invalid request'],
  DATABASE_MISSING: [500, 'Database missing'],
  INTEGRITY_FAILED: [500, 'Integrity check failed'],
  CORRUPT: [500, 'Backup data is damaged'],
  INCOMPATIBLE: [409, 'Incompatible backup'],
  TARGET_EXISTS: [409, 'Target exists'],
  PINNED: [409, 'Backup is pinned'],
  REFUSED: [409, 'Refused'],
  NO_SPACE: [507, 'No space left on the backup storage'],
  IO: [500, 'Storage error'],
};

export function problemFromError(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof BackupError) {
    const [status, title] = BACKUP_STATUS[err.code];
    return new HttpProblem(status, err.code.toLowerCase().replace(/_/g, '-'), title, err.message);
  }
  if (err instanceof z.ZodError) {
    const errors = err.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
    return new HttpProblem(400, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  const e = err as { type?: string; status?: number };
  // body-parser's errors (malformed JSON, too large) carry a status and a type.
  if (e?.type === 'entity.parse.failed') return new HttpProblem(400, 'malformed-json', 'Malformed JSON body');
  if (e?.type === 'entity.too.large') return new HttpProblem(413, 'too-large', 'Request body too large');
  return new HttpProblem(500, 'internal', 'Internal server error', 'The server could not complete the request; see its log.');
}

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({ type: problemType(problem.slug), title: problem.title, status: problem.status, detail: problem.detail, instance, ...problem.extra });
}

export function problemHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const problem = problemFromError(err);
    if (problem.status >= 500) log(err);
    sendProblem(res, problem, req.originalUrl);
  };
}
