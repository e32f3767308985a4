import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Plain files that are backed up beside the database: the rotated logs in `<data>/logs/` and,
 * when it exists, `<data>/attachments/`. Paths are relative to the data directory.
 */
export const FILE_DIRECTORIES = ['logs', 'attachments'] as const;

export interface DataFile {
  path: string;
  absolute: string;
  size: number;
  mode: number;
  mtime: string;
}

export async function listDataFiles(dataDir: string): Promise<DataFile[]> {
  const found: DataFile[] = [];
  for (const dir of FILE_DIRECTORIES) {
    const base = path.join(dataDir, dir);
    let entries: string[];
    try {
      entries = await fs.readdir(base, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const entry of entries.sort()) {
      const absolute = path.join(base, entry);
      const stat = await fs.lstat(absolute);
      if (!stat.isFile()) continue;
      found.push({
        path: [dir, ...entry.split(path.sep)].join('/'),
        absolute,
        size: stat.size,
        mode: stat.mode & 0o777,
        mtime: stat.mtime.toISOString(),
      });
    }
  }
  return found;
}

/** Reads a file in `chunkSize` pieces, up to the size it had when listed (logs keep growing). */
export async function* readInChunks(file: DataFile, chunkSize: number): AsyncGenerator<Buffer> {
  const handle = await fs.open(file.absolute, 'r');
  try {
    for (let offset = 0; offset < file.size; offset += chunkSize) {
      const length = Math.min(chunkSize, file.size - offset);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${file.path} shrank while it was read`);
      yield buffer;
    }
  } finally {
    await handle.close();
  }
}

/** Resolves a manifest's relative file path under a directory, refusing anything that escapes it. */
export function safeJoin(root: string, relative: string): string {
  if (path.isAbsolute(relative) || relative.split('/').some((p) => p === '..' || p === '' || p === '.')) {
    throw new Error(`unsafe file path in manifest: ${JSON.stringify(relative)}`);
  }
  const target = path.resolve(root, ...relative.split('/'));
  if (!target.startsWith(path.resolve(root) + path.sep)) throw new Error(`unsafe file path in manifest: ${relative}`);
  return target;
}
