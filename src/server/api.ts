import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/roles.ts';
import { authorize, identifySafely, type Principal } from './auth.ts';
import { isRecorded } from '../audit/recorded.ts';
import { HttpProblem, problemFromError, problemSchema } from './problem.ts';
import type { ServerContext } from './context.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Validated<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  req: Request;
  res: Response;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Express path, e.g. `/api/v1/backups/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it: a permission, any signed-in user, or everybody. */
  access: Permission | 'signed-in' | 'public';
  /** Audit action recorded when access is refused (backup routes: every call is audited). */
  auditAction?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handle: (v: Validated<P, Q, B>) => Promise<void> | void;
}

/**
 * The API's routes, each declared once with its zod schemas: the same declaration validates
 * requests, enforces access and produces the OpenAPI document, so they cannot drift apart.
 */
export class Api {
  readonly routes: RouteSpec[] = [];

  add<P, Q, B>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as RouteSpec);
  }

  mount(router: Router, ctx: ServerContext): void {
    for (const spec of this.routes) {
      const handler: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
        try {
          if (!ctx.db.isOpen) {
            // The seconds of an in-place restore's swap: even job status needs the users table.
            res.set('Retry-After', '2');
            throw new HttpProblem(503, 'maintenance', 'Under maintenance', 'The database is being swapped; try again in a moment.');
          }
          const principal = authorize(ctx, req, spec.access, spec.auditAction);
          const params = spec.params ? spec.params.parse(req.params) : req.params;
          const query = spec.query ? spec.query.parse(req.query) : req.query;
          const body = spec.body ? spec.body.parse(req.body ?? {}) : undefined;
          await spec.handle({ params, query, body, principal, req, res });
        } catch (err) {
          // Every failed call of an audited route is recorded once: refusals by authorize() and
          // the engine's own failures were recorded where they happened, the rest here.
          if (spec.auditAction && !isRecorded(err)) {
            const who = identifySafely(ctx, req);
            const problem = problemFromError(err);
            ctx.audit.record({
              userId: who.user?.id ?? null,
              actor: who.actor,
              action: spec.auditAction,
              target: typeof req.params.id === 'string' ? req.params.id : null,
              result: 'failure',
              error: `${problem.status} ${problem.detail ?? problem.title}`,
              details: { method: req.method, path: req.originalUrl },
            });
          }
          next(err);
        }
      };
      router[spec.method](spec.path, handler);
    }
  }

  /** OpenAPI 3.1 for every declared route. */
  openapi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schema = (s: z.ZodType) => {
      const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return rest;
    };
    for (const r of this.routes) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, s] of [['path', r.params], ['query', r.query]] as const) {
        if (!s) continue;
        const json = schema(s) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, prop] of Object.entries(json.properties ?? {})) {
          parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: prop });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [status, resp] of Object.entries(r.responses)) {
        const type = resp.contentType ?? 'application/json';
        responses[status] = { description: resp.description, ...(resp.schema ? { content: { [type]: { schema: schema(resp.schema) } } } : {}) };
      }
      const problem = { content: { 'application/problem+json': { schema: schema(problemSchema) } } };
      if (r.access !== 'public') {
        responses['401'] ??= { description: 'Not signed in', ...problem };
        responses['403'] ??= { description: 'Not allowed for this role or token', ...problem };
      }
      if (r.params || r.query || r.body) responses['400'] ??= { description: 'Invalid request (names the field)', ...problem };
      (paths[path] ??= {})[r.method] = {
        summary: r.summary,
        tags: [r.tag],
        ...(r.access === 'public' ? { security: [] } : {}),
        'x-access': r.access,
        ...(parameters.length ? { parameters } : {}),
        ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body) } } } } : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'nexus_session', description: 'After POST /api/v1/auth/login; state-changing requests need the X-CSRF-Token header' },
          bearer: { type: 'http', scheme: 'bearer', description: 'API token from `nexus user token create`' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
      paths,
    };
  }
}
