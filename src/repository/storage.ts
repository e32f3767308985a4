/**
 * The one interface through which the repository reaches its storage. Keys are relative,
 * '/'-separated names (`chunks/ab/ab12…`, `manifests/<id>.json`). The local filesystem is the
 * first backend; an S3-compatible one can implement the same contract later.
 */
export interface Storage {
  /** A description for messages, e.g. the directory path. */
  readonly location: string;
  /**
   * Stores `data` under `key` atomically (readers never see a partial object). With
   * `exclusive`, an existing object is kept and `false` returned. `durable: false` lets a
   * caller batch the directory sync with {@link Storage.flush}.
   */
  put(key: string, data: Uint8Array | string, options?: { exclusive?: boolean; durable?: boolean }): Promise<boolean>;
  get(key: string): Promise<Buffer>;
  /** Size in bytes, or null when the object does not exist. */
  size(key: string): Promise<number | null>;
  /** Keys below a folder prefix (recursive), unordered. */
  list(prefix: string): Promise<string[]>;
  /** Removes an object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Appends a record to an append-only object and makes it durable. */
  append(key: string, data: string): Promise<void>;
  /** Makes earlier non-durable puts and deletes below these folder prefixes durable. */
  flush(prefixes: Iterable<string>): Promise<void>;
}

const KEY = /^[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)*$/;

/** Keys come from ids and hashes, never straight from users; still, refuse anything that could escape. */
export function assertSafeKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
