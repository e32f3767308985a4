/** Worker thread of the codec pool (codec-pool.ts): encodes chunks with blocking zlib calls. */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeChunk } from '../repository/chunk-store.ts';
import type { CodecName } from '../repository/codec.ts';

const codec = (workerData as { codec: CodecName }).codec;

parentPort!.on('message', (job: { seq: number; data: ArrayBuffer }) => {
  try {
    const body = encodeChunk(codec, new Uint8Array(job.data));
    const out = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    parentPort!.postMessage({ seq: job.seq, body: out }, [out]);
  } catch (err) {
    parentPort!.postMessage({ seq: job.seq, error: (err as Error).message });
  }
});
