import { ChunkMissingError } from '../repository/chunk-store.ts';
import { chunksOf, type Manifest } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { codecFor } from './codec-pool.ts';
import type { ProgressReporter, VerifyProblem, VerifyReport } from './types.ts';

const PARALLEL = 8;

/**
 * Checks backups against the chunks they need. Quick: every chunk exists. With `readData`:
 * every chunk is read, decompressed and hashed. Each problem names the backups it affects;
 * the audit journal's hash chain is checked too.
 */
export async function verifyBackups(
  repo: Repository,
  manifests: Manifest[],
  damaged: string[],
  readData: boolean,
  progress: ProgressReporter,
): Promise<VerifyReport> {
  const started = performance.now();
  const problems: VerifyProblem[] = damaged.map((id) => ({ kind: 'damaged-manifest', object: id, detail: 'manifest cannot be read', affects: [id] }));
  const users = new Map<string, string[]>();
  for (const m of manifests) {
    for (const c of chunksOf(m)) {
      const list = users.get(c);
      if (list) list.push(m.id);
      else users.set(c, [m.id]);
    }
  }
  const ids = [...users.keys()];
  let checked = 0;
  let bytesRead = 0;
  const codec = codecFor(repo.config.codec, readData ? ids.length * repo.config.chunkSize : 0);
  const check = async (id: string) => {
    try {
      if (readData) {
        const data = await codec.decode(id, await repo.chunks.getEncoded(id));
        bytesRead += data.byteLength;
      } else if ((await repo.chunks.storedSize(id)) === null) {
        throw new ChunkMissingError(id);
      }
    } catch (err) {
      const kind = err instanceof ChunkMissingError ? 'missing-chunk' : 'corrupt-chunk';
      problems.push({ kind, object: id, detail: (err as Error).message, affects: users.get(id)! });
    }
    progress(readData ? 'read-data' : 'exists', ++checked, ids.length, 'chunks');
  };
  try {
    for (let i = 0; i < ids.length; i += PARALLEL) await Promise.all(ids.slice(i, i + PARALLEL).map(check));
  } finally {
    await codec.close();
  }
  const journal = await repo.journal.verify();
  return {
    ok: problems.length === 0 && journal.brokenAt === null,
    readData,
    backups: manifests.length,
    chunks: ids.length,
    bytesRead,
    problems,
    journal,
    durationMs: Math.round(performance.now() - started),
  };
}
