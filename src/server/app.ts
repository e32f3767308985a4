import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APP_NAME, APP_VERSION } from '../version.ts';
import { Api } from './api.ts';
import type { ServerContext } from './context.ts';
import { HttpProblem, problemHandler } from './problem.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { backupRoutes } from './routes/backups.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { jobRoutes } from './routes/jobs.ts';
import { notificationRoutes } from './routes/notifications.ts';

/** Declares every API route once (validation, access, OpenAPI) and mounts them. */
export function buildApi(ctx: ServerContext, router: express.Router): Api {
  const api = new Api();
  authRoutes(api, router, ctx);
  backupRoutes(api, ctx);
  jobRoutes(api, ctx);
  auditRoutes(api, ctx);
  incidentRoutes(api, ctx);
  notificationRoutes(api, ctx);
  api.mount(router, ctx);
  return api;
}

export function createApp(ctx: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // HSTS and upgrade-insecure-requests only behind TLS: over plain HTTP (a LAN address) they
  // would make browsers refuse the console.
  app.use(
    helmet({
      hsts: ctx.secureCookies,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: ctx.secureCookies ? [] : null } },
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', maintenance: ctx.maintenance.state() });
  });
  app.get('/readyz', (_req, res) => {
    if (ctx.maintenance.active) {
      res.set('Retry-After', '15').status(503).json({ status: 'maintenance', maintenance: ctx.maintenance.state() });
      return;
    }
    if (ctx.monitor.state.rpoBreached && ctx.notificationSettings.get().rpoAffectsReadiness) {
      res.status(503).json({ status: 'rpo breached', checkedAt: ctx.monitor.state.checkedAt });
      return;
    }
    try {
      ctx.db.conn.prepare('SELECT 1').get();
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', reason: (err as Error).message });
    }
  });
  app.get('/metrics', async (req, res) => {
    // Behind a proxy on the same host every request comes from loopback: then only the token counts.
    const loopback = !ctx.secureCookies && !req.get('x-forwarded-for') && ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
    if (!loopback && !(ctx.metrics.token && sameSecret(req.get('authorization') ?? '', `Bearer ${ctx.metrics.token}`))) {
      res.status(403).type('text/plain').send('metrics are served to loopback, or with the NEXUS_METRICS_TOKEN bearer token\n');
      return;
    }
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  app.use(ctx.maintenance.middleware());
  app.use(express.json({ limit: '1mb' }));
  app.use(cookieParser());
  const router = express.Router();
  const api = buildApi(ctx, router);
  const openapi = api.openapi({ title: 'ITSM-Sec Nexus API', version: APP_VERSION });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(router);
  app.use('/api', (req, _res, next) => next(new HttpProblem(404, 'not-found', 'Not found', `no route ${req.method} ${req.originalUrl}`)));
  serveConsole(app);
  app.use(problemHandler((err) => ctx.log.error({ err }, 'request failed')));
  return app;
}

/** The admin console, built by `npm run build` into dist/web (two levels above src/server and dist/server). */
const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

function serveConsole(app: express.Express): void {
  const index = `${WEB_ROOT}index.html`;
  if (!fs.existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('html').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${APP_NAME}</title>
<h1>ITSM-Sec Nexus ${APP_VERSION}</h1>
<p>The admin console has not been built: run <code>npm run build</code> (npm start does it).</p>
<p>The API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p></html>`);
    });
    return;
  }
  app.use(express.static(WEB_ROOT, { index: false, maxAge: '1h' }));
  // The console routes in the browser (#/backups …); every other page path gets its shell.
  app.get(/^\/(?!api\/).*/, (_req, res) => {
    res.sendFile(index, { headers: { 'Cache-Control': 'no-store' } });
  });
}

/** Compares secrets in constant time (hashes first, so that lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}
