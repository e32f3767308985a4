import { z } from 'zod';
import { auditCsv } from '../../audit/audit-log.ts';
import type { Api } from '../api.ts';
import type { ServerContext } from '../context.ts';
import { auditQuery } from '../schemas.ts';

export function auditRoutes(api: Api, ctx: ServerContext): void {
  api.add({
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit trail, newest first; action may be a prefix (backup.*); format=csv for auditors',
    tag: 'audit',
    access: 'audit:read',
    query: auditQuery,
    responses: {
      200: { description: 'Audit records', schema: z.object({ total: z.number(), rows: z.array(z.record(z.string(), z.unknown())) }) },
    },
    handle({ query, res }) {
      const { total, rows } = ctx.audit.query(query);
      if (query.format === 'csv') {
        res.type('text/csv; charset=utf-8').attachment(`audit-${new Date().toISOString().slice(0, 10)}.csv`).send(auditCsv(rows));
        return;
      }
      res.json({ total, rows });
    },
  });
}
