import crypto from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecPool, codecFor } from '../../src/backup/codec-pool.ts';
import { ChunkCorruptError, decodeChunk, hashOf } from '../../src/repository/chunk-store.ts';
import { actor, dump, tempDir, workspace } from '../helpers/workspace.ts';

describe('codec pool (worker threads)', () => {
  it('encodes and decodes chunks exactly like the calling thread does', async () => {
    const pool = new CodecPool('brotli', 2);
    const inline = codecFor('brotli', 1);
    try {
      const text = Buffer.from('INC-0000001 VPN gateway is unreachable (Finance) '.repeat(5000));
      const noise = crypto.randomBytes(100_000);
      for (const data of [text, noise]) {
        const id = hashOf(data);
        const [a, b] = await Promise.all([pool.encode(Buffer.from(data)), inline.encode(Buffer.from(data))]);
        expect(a.equals(b)).toBe(true);
        expect(decodeChunk(id, a).equals(data)).toBe(true);
        expect((await pool.decode(id, a)).equals(data)).toBe(true);
      }
      const body = await pool.encode(Buffer.from(text));
      body[body.length - 5]! ^= 0x55;
      await expect(pool.decode(hashOf(text), body)).rejects.toBeInstanceOf(ChunkCorruptError);
      await expect(pool.decode(hashOf(text), Buffer.from('junk'))).rejects.toThrow(/bad header/);
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  it('carries a database larger than the pool threshold through backup, verify and restore', async () => {
    const ws = workspace({ incidents: 60_000 });
    const m = await ws.service.create({ ...actor, trigger: 'cli' });
    expect(m.database.size).toBeGreaterThan(64 * 1024 * 1024);
    expect((await ws.service.verify({ ...actor, readData: true })).ok).toBe(true);
    const out = path.join(tempDir(), 'large.db');
    const r = await ws.service.restore({ ...actor, id: m.id, to: out, fullCheck: true });
    expect(r.integrity).toBe('ok');
    expect(r.sha256).toBe(m.database.sha256);
    expect(dump(out)).toEqual(dump(ws.dbPath));
  });
});
