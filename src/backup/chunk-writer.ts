import crypto, { type Hash } from 'node:crypto';
import { hashOf } from '../repository/chunk-store.ts';
import type { Repository } from '../repository/repository.ts';
import type { HashedChunk } from './snapshot.ts';

/** What one backup stored, shared by the database and the file entries (they deduplicate against each other). */
export interface StoreContext {
  seen: Set<string>;
  storedBytes: number;
  newBytes: number;
  newChunks: number;
}

export function newStoreContext(): StoreContext {
  return { seen: new Set(), storedBytes: 0, newBytes: 0, newChunks: 0 };
}

/** Chunks compressed and written at once: enough to keep libuv's thread pool busy. */
const CONCURRENCY = 8;

/** Hashes plain chunks on the way through (for data files; the database is hashed in its worker). */
export async function* hashed(source: AsyncIterable<Buffer>, whole: Hash = crypto.createHash('sha256')): AsyncGenerator<HashedChunk> {
  for await (const data of source) {
    whole.update(data);
    yield { id: hashOf(data), data };
  }
}

/**
 * Stores a stream of chunks: skips those the repository (or this backup) already has,
 * encodes (compresses) and writes the others in parallel. Returns the chunk ids in order and the
 * stream's length. Chunks are not durable until the caller flushes the chunk store.
 */
export async function storeStream(
  repo: Repository,
  source: AsyncIterable<HashedChunk>,
  ctx: StoreContext,
  encode: (data: Buffer) => Promise<Buffer>,
  onBytes: (bytes: number) => void,
): Promise<{ chunks: string[]; size: number }> {
  const chunks: string[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;
  for await (const { id, data } of source) {
    if (failure) throw failure;
    chunks.push(id);
    size += data.byteLength;
    if (!ctx.seen.has(id)) {
      ctx.seen.add(id);
      const task = (async () => {
        const existing = await repo.chunks.storedSize(id);
        if (existing !== null) {
          ctx.storedBytes += existing;
          return;
        }
        const { stored } = await repo.chunks.putEncoded(id, await encode(data));
        ctx.storedBytes += stored;
        ctx.newBytes += stored;
        ctx.newChunks++;
      })().catch((err: unknown) => {
        failure ??= err;
      });
      inflight.add(task);
      void task.finally(() => inflight.delete(task));
      if (inflight.size >= CONCURRENCY) await Promise.race(inflight);
    }
    onBytes(size);
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  return { chunks, size };
}
