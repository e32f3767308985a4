import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repository, REPO_VERSION } from '../../src/repository/repository.ts';
import { ChunkStore, ChunkCorruptError, ChunkMissingError, hashOf } from '../../src/repository/chunk-store.ts';
import { LocalStorage } from '../../src/repository/local-storage.ts';
import { assertSafeKey } from '../../src/repository/storage.ts';
import { Journal } from '../../src/repository/journal.ts';
import { tempDir } from '../helpers/workspace.ts';

describe('repository', () => {
  it('creates itself 0700 with a format description, and refuses newer formats', async () => {
    const root = path.join(tempDir(), 'repo');
    const repo = await Repository.openOrInit(root);
    expect(fs.statSync(root).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'repo.json')).mode & 0o777).toBe(0o600);
    expect(repo.config).toMatchObject({ format: 'itsm-nexus-backup-repository', version: REPO_VERSION, codec: 'brotli', chunkSize: 262144 });
    expect((await Repository.openOrInit(root)).config.id).toBe(repo.config.id);

    const future = { ...repo.config, version: REPO_VERSION + 1 };
    fs.writeFileSync(path.join(root, 'repo.json'), JSON.stringify(future));
    await expect(Repository.open(root)).rejects.toThrow(/format version 2 is newer than this build supports \(1\)/);
    fs.writeFileSync(path.join(root, 'repo.json'), 'not json');
    await expect(Repository.open(root)).rejects.toMatchObject({ code: 'CORRUPT' });
    await expect(Repository.open(path.join(root, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never accepts a storage key that could leave the repository', () => {
    for (const bad of ['../x', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', '', 'a\\b']) expect(() => assertSafeKey(bad)).toThrow(/unsafe/);
    expect(() => assertSafeKey('manifests/2026-11-24T02:00:00Z-ab12.json')).not.toThrow();
  });

  it('stores chunks once, compressed when that helps, and detects damage', async () => {
    const storage = new LocalStorage(tempDir());
    const store = new ChunkStore(storage, 'brotli');
    const text = Buffer.from('incident '.repeat(10000));
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    const id = hashOf(text);
    const put = await store.put(id, text);
    expect(put.stored).toBeLessThan(text.length / 10);
    const noise = (await import('node:crypto')).randomBytes(8192);
    const rid = hashOf(noise);
    expect((await store.put(rid, noise)).stored).toBe(noise.length + 12); // stored raw: brotli could not shrink it
    await store.flush();
    expect((await store.get(id)).equals(text)).toBe(true);
    expect((await store.get(rid)).equals(noise)).toBe(true);
    expect((await store.list()).sort()).toEqual([id, rid].sort());

    const other = new ChunkStore(storage, 'deflate');
    const did = hashOf(random);
    await other.put(did, random);
    expect((await store.get(did)).equals(random)).toBe(true); // codec comes from the chunk header

    const file = path.join(storage.location, 'chunks', id.slice(0, 2), id);
    const body = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('XXXX'), body.subarray(4)]));
    await expect(store.get(id)).rejects.toBeInstanceOf(ChunkCorruptError);
    fs.writeFileSync(file, body.subarray(0, body.length - 10));
    await expect(store.get(id)).rejects.toThrow(/corrupt/);
    await store.delete(id);
    await expect(store.get(id)).rejects.toBeInstanceOf(ChunkMissingError);
  });

  it('appends to a hash-chained journal and ignores a torn last line', async () => {
    const root = tempDir();
    const journal = new Journal(root);
    const base = { actor: 'os:alice', target: null, error: null, result: 'success' as const };
    const r1 = await journal.append({ ...base, ts: '2026-11-26T00:00:00Z', action: 'backup.create' });
    const r2 = await journal.append({ ...base, ts: '2026-11-26T00:01:00Z', action: 'backup.verify', details: { ok: true } });
    expect(r1.prev).toBe('0'.repeat(64));
    expect(r2.prev).toBe(r1.hash);
    expect(r2.seq).toBe(2);
    fs.appendFileSync(journal.file, '{"seq":3,"torn');
    expect(await journal.verify()).toEqual({ records: 2, brokenAt: null });
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) => journal.append({ ...base, ts: `2026-11-26T01:0${i}:00Z`, action: 'backup.list' })),
    );
    expect(new Set(many.map((r) => r.seq)).size).toBe(10);
  });
});
