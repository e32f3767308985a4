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

export async function compress(codec: CodecName, data: Uint8Array): Promise<Uint8Array> {
  switch (codec) {
    case 'none':
      return data;
    case 'brotli':
      return brotliCompress(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
        },
      });
    case 'deflate':
      return deflateRaw(data, { level: 1 });
  }
}

export async function decompress(codec: CodecName, data: Uint8Array, rawLength: number): Promise<Buffer> {
  switch (codec) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'brotli':
      return brotliDecompress(data, { maxOutputLength: Math.max(rawLength, 1) });
    case 'deflate':
      return inflateRaw(data, { maxOutputLength: Math.max(rawLength, 1) });
  }
}
