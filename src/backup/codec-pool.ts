import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ChunkCorruptError, decodeChunkAsync, encodeChunkAsync } from '../repository/chunk-store.ts';
import type { CodecName } from '../repository/codec.ts';
import { startSiblingWorker } from './worker-url.ts';

export type CodecJob = { seq: number; op: 'encode'; data: ArrayBuffer } | { seq: number; op: 'decode'; id: string; data: ArrayBuffer };
export type CodecReply = { seq: number; data?: ArrayBuffer; error?: string };

/** Encodes chunks for storage and decodes (and checks) them for restore. */
export interface ChunkCodec {
  /** `data` is handed over: the caller must not use it afterwards. */
  encode(data: Buffer): Promise<Buffer>;
  /** Decodes stored bytes and checks them against the chunk id; throws ChunkCorruptError. */
  decode(id: string, body: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** Below this much data, starting worker threads costs more than it saves. */
const POOL_THRESHOLD = 64 * 1024 * 1024;

/** The codec for a job of `bytes`: worker threads for large ones, the calling thread for small ones. */
export function codecFor(codec: CodecName, bytes: number): ChunkCodec {
  return bytes > POOL_THRESHOLD ? new CodecPool(codec) : new InlineCodec(codec);
}

/** On the calling thread, with zlib's async API (the work itself runs on libuv's thread pool). */
class InlineCodec implements ChunkCodec {
  constructor(private readonly codec: CodecName) {}

  encode(data: Buffer): Promise<Buffer> {
    return encodeChunkAsync(this.codec, data);
  }

  decode(id: string, body: Buffer): Promise<Buffer> {
    return decodeChunkAsync(id, body);
  }

  async close(): Promise<void> {}
}

/**
 * Encodes and decodes chunks on worker threads. The async zlib API would compress on libuv's
 * pool too, but calls back into the main thread for every output buffer; here the main thread
 * only passes memory back and forth (transferred, not copied), so it stays free for requests.
 */
export class CodecPool implements ChunkCodec {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { id?: string; resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private closing = false;

  constructor(codec: CodecName, size = Math.max(1, Math.min(4, os.availableParallelism()))) {
    this.workers = Array.from({ length: size }, () => {
      const worker = startSiblingWorker('codec-worker', import.meta.url, { workerData: { codec } });
      worker.on('message', (reply: CodecReply) => {
        const job = this.pending.get(reply.seq);
        if (!job) return;
        this.pending.delete(reply.seq);
        if (reply.data) job.resolve(Buffer.from(reply.data));
        else if (job.id) job.reject(new ChunkCorruptError(job.id, reply.error?.replace(/^chunk \S+ is corrupt: /, '') ?? 'unknown'));
        else job.reject(new Error(`chunk encoding failed: ${reply.error}`));
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`codec worker stopped (exit code ${code})`));
      });
      return worker;
    });
  }

  encode(data: Buffer): Promise<Buffer> {
    return this.submit(undefined, data, (seq, buffer) => ({ seq, op: 'encode', data: buffer }));
  }

  decode(id: string, body: Buffer): Promise<Buffer> {
    return this.submit(id, body, (seq, buffer) => ({ seq, op: 'decode', id, data: buffer }));
  }

  private submit(id: string | undefined, data: Buffer, job: (seq: number, buffer: ArrayBuffer) => CodecJob): Promise<Buffer> {
    const seq = ++this.seq;
    // A view on part of a larger buffer is copied out; a whole one is moved without a copy.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
    const buffer = (whole ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { id, resolve, reject });
      this.workers[seq % this.workers.length]!.postMessage(job(seq, buffer), [buffer]);
    });
  }

  private failAll(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
