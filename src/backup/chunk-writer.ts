import crypto from 'node:crypto';
import { hashOf } from '../repository/chunk-store.ts';
import type { Repository } from '../repository/repository.ts';

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

/**
 * Stores a stream of chunks: hashes each on arrival, skips those the repository (or this
 * backup) already has, compresses and writes the others in parallel. Returns the chunk ids in
 * order, the SHA-256 of the whole stream and its length. Chunks are not durable until the
 * caller flushes the chunk store.
 */
export async function storeStream(
  repo: Repository,
  source: AsyncIterable<Buffer>,
  ctx: StoreContext,
  onBytes: (bytes: number) => void,
): Promise<{ chunks: string[]; sha256: string; size: number }> {
  const whole = crypto.createHash('sha256');
  const chunks: string[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;
  for await (const chunk of source) {
    if (failure) throw failure;
    whole.update(chunk);
    const id = hashOf(chunk);
    chunks.push(id);
    size += chunk.byteLength;
    if (!ctx.seen.has(id)) {
      ctx.seen.add(id);
      const task = (async () => {
        const existing = await repo.chunks.storedSize(id);
        if (existing !== null) {
          ctx.storedBytes += existing;
          return;
        }
        const { stored } = await repo.chunks.put(id, chunk);
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
  return { chunks, sha256: whole.digest('hex'), size };
}
