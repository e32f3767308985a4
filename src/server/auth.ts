import type { Request, Response } from 'express';
import { can, scopeFor, type Permission, type TokenScope } from '../auth/roles.ts';
import type { User } from '../auth/users.ts';
import type { ServerContext } from './context.ts';
import { markRecorded } from '../audit/recorded.ts';
import { HttpProblem } from './problem.ts';

export const SESSION_COOKIE = 'nexus_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Principal {
  user: User | null;
  /** How the caller proved who it is. */
  via: 'session' | 'token' | 'none';
  scopes: readonly TokenScope[] | null;
  csrfToken: string | null;
  /** For the audit trail: "user:alice" or "token:12:alice". */
  actor: string;
}

const ANONYMOUS: Principal = { user: null, via: 'none', scopes: null, csrfToken: null, actor: 'anonymous' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who is calling: a bearer token, else the session cookie, else nobody. */
export function identify(ctx: ServerContext, req: Request): Principal {
  const header = req.get('authorization');
  if (header?.startsWith('Bearer ')) {
    const found = ctx.users.resolveToken(header.slice('Bearer '.length).trim());
    if (!found) throw new HttpProblem(401, 'unauthenticated', 'Not signed in', 'The API token is unknown or revoked.');
    return { user: found.user, via: 'token', scopes: found.scopes, csrfToken: null, actor: `token:${found.tokenId}:${found.user.username}` };
  }
  const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
  if (!sid) return ANONYMOUS;
  const session = ctx.sessions.get(sid);
  if (!session) return ANONYMOUS;
  const user = ctx.users.get(session.userId);
  if (!user || !user.active || user.username !== session.username) return ANONYMOUS;
  return { user, via: 'session', scopes: null, csrfToken: session.csrfToken, actor: `user:${user.username}` };
}

/**
 * Checks, on every request, that the caller may use a route: 401 when not signed in, 403 when
 * the role (or the token's scopes) do not allow it, 403 when a cookie-authenticated request
 * that changes state lacks the session's CSRF token. Refusals of audited routes are audited.
 */
export function authorize(ctx: ServerContext, req: Request, access: Permission | 'signed-in' | 'public', auditAction?: string): Principal {
  if (access === 'public') return identifySafely(ctx, req);
  let principal: Principal;
  try {
    principal = identify(ctx, req);
    if (!principal.user) throw new HttpProblem(401, 'unauthenticated', 'Not signed in', 'Sign in or send an API token.');
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method) && req.get(CSRF_HEADER) !== principal.csrfToken) {
      throw new HttpProblem(403, 'csrf', 'Missing or wrong CSRF token', `Send the ${CSRF_HEADER} header given at sign-in.`);
    }
    if (access !== 'signed-in') {
      const scope = scopeFor(access);
      if (!can(principal.user.role, access) || (principal.scopes && scope && !principal.scopes.includes(scope))) {
        throw new HttpProblem(403, 'forbidden', 'Not allowed', `This needs the ${access} permission.`);
      }
    }
    return principal;
  } catch (err) {
    if (auditAction && err instanceof HttpProblem) {
      const who = identifySafely(ctx, req);
      ctx.audit.record({
        userId: who.user?.id ?? null,
        actor: who.actor === 'anonymous' ? `anonymous@${req.ip}` : who.actor,
        action: auditAction,
        target: typeof req.params.id === 'string' ? req.params.id : null,
        result: 'failure',
        error: `${err.status} ${err.title}`,
        details: { method: req.method, path: req.originalUrl },
      });
      markRecorded(err);
    }
    throw err;
  }
}

export function identifySafely(ctx: ServerContext, req: Request): Principal {
  try {
    return identify(ctx, req);
  } catch {
    return ANONYMOUS;
  }
}

export function setSessionCookie(ctx: ServerContext, res: Response, id: string | null): void {
  const options = { httpOnly: true, sameSite: 'strict' as const, secure: ctx.secureCookies, path: '/' };
  if (id) res.cookie(SESSION_COOKIE, id, options);
  else res.clearCookie(SESSION_COOKIE, options);
}
