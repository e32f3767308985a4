import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { CodecName } from '../repository/codec.ts';
import { startSiblingWorker } from './worker-url.ts';

type Reply = { seq: number; body?: ArrayBuffer; error?: string };

/**
 * Compresses chunks on worker threads. The async zlib API would run the compression on libuv's
 * pool too, but calls back into the main thread for every output buffer; here the main thread
 * only passes memory back and forth (transferred, not copied), so it stays free for requests.
 */
export class CodecPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private seq = 0;

  constructor(codec: CodecName, size = Math.max(1, Math.min(4, os.availableParallelism()))) {
    this.workers = Array.from({ length: size }, () => {
      const worker = startSiblingWorker('codec-worker', import.meta.url, { workerData: { codec } });
      worker.on('message', (reply: Reply) => {
        const job = this.pending.get(reply.seq);
        if (!job) return;
        this.pending.delete(reply.seq);
        if (reply.body) job.resolve(Buffer.from(reply.body));
        else job.reject(new Error(`chunk encoding failed: ${reply.error}`));
      });
      worker.on('error', (err) => this.failAll(err));
      return worker;
    });
  }

  /** Encodes a chunk (chunk-store.ts's format). `data` is handed over: do not use it afterwards. */
  encode(data: Buffer): Promise<Buffer> {
    const seq = ++this.seq;
    // A view on part of a larger buffer is copied out; a whole one is moved without a copy.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
    const buffer = (whole ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.workers[seq % this.workers.length]!.postMessage({ seq, data: buffer }, [buffer]);
    });
  }

  private failAll(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
