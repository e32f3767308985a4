import fs from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE, fsyncDir, mkdirDurable, writeFileAtomic } from './atomic-file.ts';
import { assertSafeKey, type Storage } from './storage.ts';

/** Storage on a local directory: 0700 folders, 0600 files, write-temp-fsync-rename. */
export class LocalStorage implements Storage {
  readonly location: string;
  private readonly madeDirs = new Set<string>();

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    return path.join(this.location, ...key.split('/'));
  }

  /** Creates a folder and makes its new entries durable, so a crash cannot lose a folder whose files were synced. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdirDurable(dir);
    this.madeDirs.add(dir);
  }

  async put(key: string, data: Uint8Array | string, options: { exclusive?: boolean; durable?: boolean } = {}) {
    const file = this.pathOf(key);
    await this.ensureDir(path.dirname(file));
    return writeFileAtomic(file, data, { exclusive: options.exclusive, syncDir: options.durable !== false });
  }

  async get(key: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(key));
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await fs.stat(this.pathOf(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.pathOf(prefix);
    let entries: string[];
    try {
      entries = await fs.readdir(dir, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const name = path.basename(entry);
      if (name.startsWith('.tmp-')) continue;
      const key = `${prefix}/${entry.split(path.sep).join('/')}`;
      if ((await fs.lstat(path.join(dir, entry))).isFile()) keys.push(key);
    }
    return keys;
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async append(key: string, data: string): Promise<void> {
    const file = this.pathOf(key);
    await this.ensureDir(path.dirname(file));
    const handle = await fs.open(file, 'a', FILE_MODE);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async flush(prefixes: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(prefixes)].map((p) => fsyncDir(this.pathOf(p))));
  }

  /** Removes temporary files left by a process that died mid-write (call while holding the lock). */
  async removeTemporaryFiles(prefix: string): Promise<number> {
    const dir = this.pathOf(prefix);
    let removed = 0;
    let entries: string[];
    try {
      entries = await fs.readdir(dir, { recursive: true });
    } catch {
      return 0;
    }
    for (const entry of entries) {
      if (path.basename(entry).startsWith('.tmp-')) {
        await fs.rm(path.join(dir, entry), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
