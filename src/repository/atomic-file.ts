import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** fsync a directory so that a rename or unlink inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then fsync the parents of every folder it created, so the new entries survive a crash. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (!first) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === path.resolve(first)) break;
  }
}

export function tempName(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-${crypto.randomBytes(6).toString('hex')}`);
}

/**
 * Writes `data` to `target` so that readers see either nothing or the whole file:
 * temporary name in the same directory, fsync, rename, and (unless the caller batches it) an
 * fsync of the directory. With `exclusive`, an existing target is left alone and `false` returned.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: { exclusive?: boolean; syncDir?: boolean } = {},
): Promise<boolean> {
  const tmp = tempName(target);
  const handle = await fs.open(tmp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  if (options.exclusive) {
    // link() fails with EEXIST instead of replacing, which rename() would do silently.
    try {
      await fs.link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  } else {
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
  if (options.syncDir !== false) await fsyncDir(path.dirname(target));
  return true;
}
