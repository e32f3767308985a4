import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { signIn, startServer, waitForJob, type Running } from '../helpers/server.ts';

/** `name{labels} value` lines of the Prometheus text format, by series. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** GET /metrics from a given local address (127.0.0.2 is not the loopback address the server trusts). */
function scrape(r: Running, localAddress: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${r.url}/metrics`, { localAddress, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
}

describe('Prometheus metrics', () => {
  it('hold the right values after a backup, for loopback only', async () => {
    const r = await startServer({ incidents: 2000 });
    const s = await signIn(r);
    const before = parse((await scrape(r, '127.0.0.1')).text);
    expect(before.get('nexus_backup_count')).toBe(0);
    expect(before.get('nexus_backup_rpo_breached')).toBe(1);

    const job = await waitForJob(s, (await s.post('/api/v1/backups', {})).body.jobId);
    const backup = job.result as { createdAt: string; database: { size: number } };
    const after = parse((await scrape(r, '127.0.0.1')).text);
    expect(after.get('nexus_backup_count')).toBe(1);
    expect(after.get('nexus_backup_operations_total{operation="create",result="success"}')).toBe(1);
    expect(after.get('nexus_backup_last_success_timestamp_seconds')).toBeCloseTo(Date.parse(backup.createdAt) / 1000, 3);
    expect(after.get('nexus_backup_rpo_breached')).toBe(0);
    expect(after.get('nexus_backup_rpo_age_seconds')).toBeLessThan(60);
    expect(after.get('nexus_backup_database_bytes')).toBe(backup.database.size);
    expect(after.get('nexus_backup_dedup_ratio')).toBeGreaterThan(1);
    expect(after.get('nexus_disk_free_bytes{volume="repository"}')).toBeGreaterThan(0);
    expect(after.get('nexus_backup_last_duration_seconds{operation="create"}')).toBeGreaterThan(0);
    // Scrapes are not audited operations.
    expect(r.server.ctx.audit.query({ action: 'backup.list', actor: 'metrics', limit: 10, offset: 0 }).total).toBe(0);

    const remote = await scrape(r, '127.0.0.2');
    expect(remote.status).toBe(403);
    expect(remote.text).not.toContain('nexus_backup_count');
    // A reverse proxy on the same host forwards from loopback: that is not enough either.
    expect((await r.api().get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(403);
    expect(after.has('nexus_backup_last_verify_ok{scope="repository"}')).toBe(false); // no verification yet
    expect(after.get('nexus_process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('are served to other hosts with the metrics token', async () => {
    const token = 'metrics-token-for-tests';
    const r = await startServer({ env: { NEXUS_METRICS_TOKEN: token } });
    expect((await scrape(r, '127.0.0.2', 'wrong-token-wrong-token')).status).toBe(403);
    const ok = await scrape(r, '127.0.0.2', token);
    expect(ok.status).toBe(200);
    expect(parse(ok.text).get('nexus_backup_count')).toBe(0);
  });
});
