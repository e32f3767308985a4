import { z } from 'zod';
import type { Api } from '../api.ts';
import type { ServerContext } from '../context.ts';
import { HttpProblem } from '../problem.ts';
import { incidentCreate, incidentQuery, incidentSchema, incidentUpdate, numericIdParams } from '../schemas.ts';

const COLUMNS = `id, number, title, description, status, priority, category, created_at AS createdAt, updated_at AS updatedAt`;

/** A minimal incidents module: the live data that backups protect and restores bring back. */
export function incidentRoutes(api: Api, ctx: ServerContext): void {
  const get = (id: number) => {
    const row = ctx.db.conn.prepare(`SELECT ${COLUMNS} FROM incidents WHERE id = ?`).get(id);
    if (!row) throw new HttpProblem(404, 'not-found', 'Not found', `no incident ${id}`);
    return row;
  };

  api.add({
    method: 'get',
    path: '/api/v1/incidents',
    summary: 'List incidents, newest first',
    tag: 'incidents',
    access: 'incident:read',
    query: incidentQuery,
    responses: { 200: { description: 'Incidents', schema: z.object({ total: z.number(), items: z.array(incidentSchema) }) } },
    handle({ query, res }) {
      const where = query.status ? 'WHERE status = ?' : '';
      const args = query.status ? [query.status] : [];
      const total = (ctx.db.conn.prepare(`SELECT count(*) AS c FROM incidents ${where}`).get(...args) as { c: number }).c;
      const items = ctx.db.conn.prepare(`SELECT ${COLUMNS} FROM incidents ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, query.limit, query.offset);
      res.json({ total, items });
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/incidents/:id',
    summary: 'One incident',
    tag: 'incidents',
    access: 'incident:read',
    params: numericIdParams,
    responses: { 200: { description: 'The incident', schema: incidentSchema }, 404: { description: 'Unknown id' } },
    handle({ params, res }) {
      res.json(get(params.id));
    },
  });

  api.add({
    method: 'post',
    path: '/api/v1/incidents',
    summary: 'Open an incident',
    tag: 'incidents',
    access: 'incident:write',
    body: incidentCreate,
    responses: { 201: { description: 'Created', schema: incidentSchema } },
    handle({ body, principal, res }) {
      const now = new Date().toISOString();
      const id = ctx.db.conn.transaction(() => {
        const next = ((ctx.db.conn.prepare('SELECT max(id) AS m FROM incidents').get() as { m: number | null }).m ?? 0) + 1;
        const r = ctx.db.conn
          .prepare(
            `INSERT INTO incidents (number, title, description, status, priority, category, reporter_id, created_at, updated_at)
             VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?)`,
          )
          .run(`INC-${String(next).padStart(7, '0')}`, body.title, body.description, body.priority, body.category, principal.user!.id, now, now);
        return Number(r.lastInsertRowid);
      })();
      ctx.audit.record({ userId: principal.user!.id, actor: principal.actor, action: 'incident.create', target: String(id), result: 'success', error: null });
      res.status(201).json(get(id));
    },
  });

  api.add({
    method: 'patch',
    path: '/api/v1/incidents/:id',
    summary: 'Update an incident',
    tag: 'incidents',
    access: 'incident:write',
    params: numericIdParams,
    body: incidentUpdate,
    responses: { 200: { description: 'Updated', schema: incidentSchema }, 404: { description: 'Unknown id' } },
    handle({ params, body, principal, res }) {
      get(params.id);
      const fields = Object.entries(body).filter(([, v]) => v !== undefined);
      if (fields.length > 0) {
        const now = new Date().toISOString();
        const resolved = body.status === 'resolved' || body.status === 'closed' ? now : null;
        ctx.db.conn
          .prepare(`UPDATE incidents SET ${fields.map(([k]) => `${k} = ?`).join(', ')}, updated_at = ?, resolved_at = coalesce(?, resolved_at) WHERE id = ?`)
          .run(...fields.map(([, v]) => v as string), now, resolved, params.id);
      }
      ctx.audit.record({ userId: principal.user!.id, actor: principal.actor, action: 'incident.update', target: String(params.id), result: 'success', error: null, details: body });
      res.json(get(params.id));
    },
  });
}
