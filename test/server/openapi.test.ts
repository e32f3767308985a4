import express from 'express';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.ts';
import { buildApi } from '../../src/server/app.ts';

/** Every method and path the Express router really serves, from its layer stack. */
function mountedRoutes(router: express.Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out.sort();
}

describe('OpenAPI document', () => {
  it('is served, is OpenAPI 3.1, and describes every route the server mounts', async () => {
    const r = await startServer();
    const doc = (await r.api().get('/api/openapi.json')).body as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`)).sort();
    const router = express.Router();
    buildApi(r.server.ctx, router);
    const mounted = mountedRoutes(router);
    expect(mounted.length).toBeGreaterThan(20);
    expect(documented).toEqual(mounted);
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        if (p.startsWith('/api/v1/auth/login')) continue;
        expect({ route: `${m} ${p}`, has401: '401' in op.responses }).toEqual({ route: `${m} ${p}`, has401: true });
      }
    }
    expect(doc.paths['/api/v1/backups/{id}/restore']!.post).toMatchObject({ requestBody: { required: true } });
  });
});
