import zlib from 'node:zlib';
import { promisify } from 'node:util';

/**
 * Chunk codecs. The codec id is stored in each chunk's header, so the default can change
 * between versions without rewriting old chunks.
 *
 * brotli quality 1 is the default by measurement on ITSM-like data (docs/benchmarks.md):
 * about 500 MB/s per core at a ratio of 5.7, against 235 MB/s and 5.2 for deflate level 1 and
 * 113 MB/s and 5.9 for gzip -6. The async zlib calls run on libuv's thread pool, so compression
 * uses every core and keeps the event loop free.
 */
export const CODECS = { none: 0, brotli: 1, deflate: 2 } as const;
export type CodecName = keyof typeof CODECS;
export const DEFAULT_CODEC: CodecName = 'brotli';

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);
const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);

export function codecName(id: number): CodecName {
  const entry = Object.entries(CODECS).find(([, v]) => v === id);
  if (!entry) throw new Error(`unknown codec id ${id}`);
  return entry[0] as CodecName;
}

/** zlib options per codec. One output buffer for the whole chunk: with the default 16 KiB,
 * the async API calls back into the main thread once per 16 KiB, which costs more than it saves. */
function compressOptions(codec: 'brotli' | 'deflate', bytes: number): zlib.BrotliOptions & zlib.ZlibOptions {
  const chunkSize = outputBufferSize(bytes);
  if (codec === 'deflate') return { level: 1, chunkSize };
  return {
    chunkSize,
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
      // A window no larger than the chunk: less memory to set up per call, same ratio.
      [zlib.constants.BROTLI_PARAM_LGWIN]: windowBits(bytes),
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes,
    },
  };
}

export async function compress(codec: CodecName, data: Uint8Array): Promise<Uint8Array> {
  switch (codec) {
    case 'none':
      return data;
    case 'brotli':
      return brotliCompress(data, compressOptions(codec, data.byteLength));
    case 'deflate':
      return deflateRaw(data, compressOptions(codec, data.byteLength));
  }
}

/** The same as {@link compress}, blocking: for worker threads, where blocking is the point. */
export function compressSync(codec: CodecName, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'none':
      return data;
    case 'brotli':
      return zlib.brotliCompressSync(data, compressOptions(codec, data.byteLength));
    case 'deflate':
      return zlib.deflateRawSync(data, compressOptions(codec, data.byteLength));
  }
}

export async function decompress(codec: CodecName, data: Uint8Array, rawLength: number): Promise<Buffer> {
  switch (codec) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'brotli':
      return brotliDecompress(data, { maxOutputLength: Math.max(rawLength, 1), chunkSize: outputBufferSize(rawLength) });
    case 'deflate':
      return inflateRaw(data, { maxOutputLength: Math.max(rawLength, 1), chunkSize: outputBufferSize(rawLength) });
  }
}

function outputBufferSize(bytes: number): number {
  return Math.max(bytes + 64, 1024);
}

/** log2 of the brotli window: the chunk's size rounded up, within brotli's 10..24. */
function windowBits(bytes: number): number {
  return Math.min(24, Math.max(10, Math.ceil(Math.log2(Math.max(bytes, 1)))));
}

/** The same as {@link decompress}, blocking: for worker threads. */
export function decompressSync(codec: CodecName, data: Uint8Array, rawLength: number): Buffer {
  const options = { maxOutputLength: Math.max(rawLength, 1), chunkSize: outputBufferSize(rawLength) };
  switch (codec) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'brotli':
      return zlib.brotliDecompressSync(data, options);
    case 'deflate':
      return zlib.inflateRawSync(data, options);
  }
}
