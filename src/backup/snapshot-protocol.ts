/** Messages and shared state between snapshot.ts and its worker threads (snapshot-worker.ts). */
export interface SnapshotWorkerData {
  /** `file-checker` checks a file nobody writes to (a restored copy): no snapshot handshake. */
  role: 'reader' | 'checker' | 'file-checker';
  file: string;
  chunkSize: number;
  /** [0]: handshake state, [1]: chunks consumed by the main thread. */
  control: SharedArrayBuffer;
  /** How many chunks may be in flight before the reader waits for the main thread. */
  window: number;
  check: 'full' | 'quick';
}

export type SnapshotMessage =
  | { type: 'meta'; pageSize: number; pageCount: number; chunkSize: number; schemaVersion: number; method: 'file' | 'serialize' }
  /** `id` is the SHA-256 of `data`, computed in the worker to keep it off the main thread. */
  | { type: 'chunk'; index: number; id: string; data: ArrayBuffer }
  /** `sha256` of the whole database image. */
  | { type: 'end'; sha256: string }
  | { type: 'integrity'; result: string; ms: number }
  | { type: 'error'; message: string; code?: string };

export const ABORTED = 'snapshot aborted';
/** Slots of the shared control array. */
export const STATE = 0;
export const CONSUMED = 1;
