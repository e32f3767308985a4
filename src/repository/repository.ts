import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import { z } from 'zod';
import { DIR_MODE, mkdirDurable } from './atomic-file.ts';
import { ChunkStore } from './chunk-store.ts';
import { DEFAULT_CODEC, CODECS, type CodecName } from './codec.ts';
import { Journal } from './journal.ts';
import { LocalStorage } from './local-storage.ts';
import { RepositoryLocks } from './lock.ts';
import { manifestKey, manifestSchema, type Manifest } from './manifest.ts';

export const REPO_FORMAT = 'itsm-nexus-backup-repository';
export const REPO_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

const repoConfigSchema = z.object({
  format: z.literal(REPO_FORMAT),
  version: z.number().int().positive(),
  id: z.string(),
  createdAt: z.string(),
  chunkSize: z.number().int().positive(),
  codec: z.enum(Object.keys(CODECS) as [CodecName, ...CodecName[]]),
});
export type RepoConfig = z.infer<typeof repoConfigSchema>;

export class RepositoryError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INCOMPATIBLE' | 'CORRUPT',
    message: string,
  ) {
    super(message);
  }
}

/** The backup repository: a directory that alone is enough to recover (docs/repository-format.md). */
export class Repository {
  readonly storage: LocalStorage;
  readonly chunks: ChunkStore;
  readonly locks: RepositoryLocks;
  readonly journal: Journal;

  private constructor(
    readonly root: string,
    readonly config: RepoConfig,
  ) {
    this.storage = new LocalStorage(root);
    this.chunks = new ChunkStore(this.storage, config.codec);
    this.locks = new RepositoryLocks(this.storage.location);
    this.journal = new Journal(this.storage.location);
  }

  /** Opens an existing repository; refuses formats newer than this build. */
  static async open(root: string): Promise<Repository> {
    const storage = new LocalStorage(root);
    let text: string;
    try {
      text = (await storage.get('repo.json')).toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RepositoryError('NOT_FOUND', `no backup repository at ${storage.location} (repo.json missing)`);
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new RepositoryError('CORRUPT', `${storage.location}/repo.json is not valid JSON`);
    }
    const version = (raw as { version?: unknown }).version;
    if (typeof version === 'number' && version > REPO_VERSION) {
      throw new RepositoryError(
        'INCOMPATIBLE',
        `repository format version ${version} is newer than this build supports (${REPO_VERSION}); upgrade ITSM-Sec Nexus to read it`,
      );
    }
    const parsed = repoConfigSchema.safeParse(raw);
    if (!parsed.success) throw new RepositoryError('CORRUPT', `${storage.location}/repo.json is not a repository description`);
    return new Repository(storage.location, parsed.data);
  }

  /** Opens the repository, creating it (0700) when the directory has none. */
  static async openOrInit(root: string, options: { chunkSize?: number; codec?: CodecName } = {}): Promise<Repository> {
    try {
      return await Repository.open(root);
    } catch (err) {
      if (!(err instanceof RepositoryError && err.code === 'NOT_FOUND')) throw err;
    }
    const storage = new LocalStorage(root);
    await mkdirDurable(storage.location);
    await fs.chmod(storage.location, DIR_MODE);
    const config: RepoConfig = {
      format: REPO_FORMAT,
      version: REPO_VERSION,
      id: crypto.randomUUID(),
      createdAt: new Date().toISOString(),
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      codec: options.codec ?? DEFAULT_CODEC,
    };
    // Exclusive: two processes initialising at once agree on the first one's description.
    await storage.put('repo.json', `${JSON.stringify(config, null, 2)}\n`, { exclusive: true });
    return Repository.open(root);
  }

  async readManifest(id: string): Promise<Manifest> {
    let text: Buffer;
    try {
      text = await this.storage.get(manifestKey(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RepositoryError('NOT_FOUND', `no backup with id ${id}`);
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text.toString('utf8'));
    } catch {
      throw new RepositoryError('CORRUPT', `manifest of ${id} is damaged (not valid JSON)`);
    }
    const format = (raw as { format?: unknown }).format;
    if (typeof format === 'number' && format > 1) {
      throw new RepositoryError('INCOMPATIBLE', `backup ${id} uses manifest format ${format}, newer than this build reads (1); upgrade ITSM-Sec Nexus`);
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success || parsed.data.id !== id) throw new RepositoryError('CORRUPT', `manifest of ${id} is damaged`);
    return parsed.data;
  }

  async writeManifest(manifest: Manifest): Promise<void> {
    const written = await this.storage.put(manifestKey(manifest.id), `${JSON.stringify(manifest)}\n`, { exclusive: true });
    if (!written) throw new Error(`a manifest named ${manifest.id} exists already`);
  }

  async deleteManifest(id: string): Promise<void> {
    await this.storage.delete(manifestKey(id));
    await this.storage.flush(['manifests']);
  }

  /** Backup ids in the repository, oldest first. */
  async manifestIds(): Promise<string[]> {
    const keys = await this.storage.list('manifests');
    return keys
      .map((k) => k.slice('manifests/'.length))
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  }

  async isPinned(id: string): Promise<boolean> {
    return (await this.storage.size(`pins/${id}`)) !== null;
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    if (pinned) await this.storage.put(`pins/${id}`, `${new Date().toISOString()}\n`);
    else {
      await this.storage.delete(`pins/${id}`);
      await this.storage.flush(['pins']);
    }
  }

}
