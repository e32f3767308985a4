/** Worker thread of the codec pool (codec-pool.ts): encodes and decodes chunks with blocking zlib calls. */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeChunk, encodeChunk } from '../repository/chunk-store.ts';
import type { CodecName } from '../repository/codec.ts';
import type { CodecJob, CodecReply } from './codec-pool.ts';

const codec = (workerData as { codec: CodecName }).codec;

function detach(b: Buffer): ArrayBuffer {
  return (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as ArrayBuffer;
}

parentPort!.on('message', (job: CodecJob) => {
  let reply: CodecReply;
  try {
    const input = Buffer.from(job.data);
    const out = detach(job.op === 'encode' ? encodeChunk(codec, input) : decodeChunk(job.id, input));
    reply = { seq: job.seq, data: out };
    parentPort!.postMessage(reply, [out]);
  } catch (err) {
    reply = { seq: job.seq, error: (err as Error).message };
    parentPort!.postMessage(reply);
  }
});
