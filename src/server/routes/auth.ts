import rateLimit from 'express-rate-limit';
import type { Router } from 'express';
import type { Api } from '../api.ts';
import { setSessionCookie, SESSION_COOKIE } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { HttpProblem, sendProblem } from '../problem.ts';
import { loginBody, meSchema } from '../schemas.ts';

/** Sign-in attempts per client address per 15 minutes (accounts also lock after repeated failures). */
const LOGIN_ATTEMPTS = 20;

export function authRoutes(api: Api, router: Router, ctx: ServerContext): void {
  router.use(
    '/api/v1/auth/login',
    rateLimit({
      windowMs: 15 * 60_000,
      limit: LOGIN_ATTEMPTS,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (req, res) =>
        sendProblem(res, new HttpProblem(429, 'rate-limited', 'Too many sign-in attempts', 'Wait a few minutes before trying again.'), req.originalUrl),
    }),
  );

  const me = (user: { id: number; username: string; displayName: string; role: string }, csrfToken: string | null) => ({
    user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role },
    csrfToken,
  });

  api.add({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Sign in with username and password; sets the session cookie and returns the CSRF token',
    tag: 'auth',
    access: 'public',
    body: loginBody,
    responses: { 200: { description: 'Signed in', schema: meSchema }, 401: { description: 'Wrong username or password, or account locked' }, 429: { description: 'Too many attempts' } },
    async handle({ body, req, res }) {
      const result = await ctx.users.authenticate(body.username, body.password);
      if ('error' in result) {
        ctx.audit.record({ userId: null, actor: `anonymous@${req.ip}`, action: 'auth.login', target: body.username, result: 'failure', error: result.error });
        // One answer for every failure, so that guessing learns nothing about which accounts exist.
        throw new HttpProblem(401, 'login-failed', 'Sign-in failed', 'Wrong username or password, or the account is locked for 15 minutes after repeated failures.');
      }
      const { id, session } = ctx.sessions.create(result.user.id, result.user.username);
      setSessionCookie(ctx, res, id);
      ctx.audit.record({ userId: result.user.id, actor: `user:${result.user.username}`, action: 'auth.login', target: body.username, result: 'success', error: null });
      res.json(me(result.user, session.csrfToken));
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Sign out (ends the session)',
    tag: 'auth',
    access: 'signed-in',
    responses: { 204: { description: 'Signed out' } },
    handle({ req, res, principal }) {
      const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
      if (sid) ctx.sessions.destroy(sid);
      setSessionCookie(ctx, res, null);
      ctx.audit.record({ userId: principal.user?.id ?? null, actor: principal.actor, action: 'auth.logout', target: null, result: 'success', error: null });
      res.status(204).end();
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/auth/me',
    summary: 'Who is signed in, with the CSRF token for state-changing requests',
    tag: 'auth',
    access: 'signed-in',
    responses: { 200: { description: 'The signed-in user', schema: meSchema } },
    handle({ principal, res }) {
      res.json(me(principal.user!, principal.csrfToken));
    },
  });
}
