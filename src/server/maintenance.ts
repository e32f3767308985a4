import type { RequestHandler } from 'express';
import { HttpProblem, sendProblem } from './problem.ts';

/**
 * Maintenance mode during an in-place restore: every request but health checks and the job
 * that runs the restore gets 503 with Retry-After.
 */
export class Maintenance {
  private reason: string | null = null;
  private since: string | null = null;

  get active(): boolean {
    return this.reason !== null;
  }

  state(): { active: boolean; reason: string | null; since: string | null } {
    return { active: this.active, reason: this.reason, since: this.since };
  }

  enter(reason: string): void {
    this.reason = reason;
    this.since = new Date().toISOString();
  }

  leave(): void {
    this.reason = null;
    this.since = null;
  }

  middleware(retryAfterSeconds = 15): RequestHandler {
    return (req, res, next) => {
      if (!this.active || req.path === '/healthz' || req.path === '/readyz' || /^\/api\/v1\/jobs\//.test(req.path)) return next();
      res.set('Retry-After', String(retryAfterSeconds));
      sendProblem(res, new HttpProblem(503, 'maintenance', 'Under maintenance', `${this.reason}; try again shortly.`), req.originalUrl);
    };
  }
}
