import crypto from 'node:crypto';
import { CODECS, codecName, compress, compressSync, decompress, decompressSync, type CodecName } from './codec.ts';
import type { Storage } from './storage.ts';

/**
 * Content-addressed chunks. A chunk's id is the SHA-256 of its uncompressed bytes; it is stored
 * once under `chunks/<first two hex digits>/<id>` as a 12-byte header followed by the payload:
 *
 *   bytes 0-3  magic "NXC1"
 *   byte  4    codec id (0 none, 1 brotli, 2 raw deflate)
 *   bytes 5-7  reserved, zero
 *   bytes 8-11 uncompressed length, uint32 little-endian
 */
const MAGIC = Buffer.from('NXC1', 'ascii');
const HEADER = 12;
export const HASH_HEX = /^[0-9a-f]{64}$/;

export function chunkKey(id: string): string {
  return `chunks/${id.slice(0, 2)}/${id}`;
}

export function hashOf(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export class ChunkCorruptError extends Error {
  constructor(
    readonly chunk: string,
    reason: string,
  ) {
    super(`chunk ${chunk} is corrupt: ${reason}`);
  }
}

export class ChunkMissingError extends Error {
  constructor(readonly chunk: string) {
    super(`chunk ${chunk} is missing`);
  }
}

/** Header and payload; stored uncompressed when the codec does not make it smaller. */
function frame(codec: CodecName, data: Uint8Array, compressed: Uint8Array): Buffer {
  const [used, payload] = compressed.byteLength < data.byteLength ? [codec, compressed] : (['none', data] as const);
  // Never from Buffer's shared pool: a worker transfers this buffer's memory to the main thread.
  const body = Buffer.allocUnsafeSlow(HEADER + payload.byteLength);
  MAGIC.copy(body, 0);
  body[4] = CODECS[used];
  body.fill(0, 5, 8);
  body.writeUInt32LE(data.byteLength, 8);
  body.set(payload, HEADER);
  return body;
}

/** A chunk's stored form, computed synchronously (in a worker thread). */
export function encodeChunk(codec: CodecName, data: Uint8Array): Buffer {
  return frame(codec, data, compressSync(codec, data));
}

/** {@link encodeChunk} with zlib's async API. */
export async function encodeChunkAsync(codec: CodecName, data: Uint8Array): Promise<Buffer> {
  return frame(codec, data, await compress(codec, data));
}

function parseHeader(id: string, body: Buffer): { codec: CodecName; rawLength: number } {
  if (body.byteLength < HEADER || !body.subarray(0, 4).equals(MAGIC)) throw new ChunkCorruptError(id, 'bad header');
  try {
    return { codec: codecName(body[4]!), rawLength: body.readUInt32LE(8) };
  } catch (err) {
    throw new ChunkCorruptError(id, (err as Error).message);
  }
}

function checked(id: string, data: Buffer, rawLength: number): Buffer {
  if (data.byteLength !== rawLength) throw new ChunkCorruptError(id, `length ${data.byteLength}, header says ${rawLength}`);
  if (hashOf(data) !== id) throw new ChunkCorruptError(id, 'SHA-256 does not match');
  return data;
}

/** Decodes stored bytes and checks them against the chunk's id, synchronously (in a worker thread). */
export function decodeChunk(id: string, body: Buffer): Buffer {
  const { codec, rawLength } = parseHeader(id, body);
  let data: Buffer;
  try {
    data = decompressSync(codec, body.subarray(HEADER), rawLength);
  } catch (err) {
    throw new ChunkCorruptError(id, `cannot decompress (${(err as Error).message})`);
  }
  return checked(id, data, rawLength);
}

/** {@link decodeChunk} with zlib's async API, which leaves the calling thread free. */
export async function decodeChunkAsync(id: string, body: Buffer): Promise<Buffer> {
  const { codec, rawLength } = parseHeader(id, body);
  let data: Buffer;
  try {
    data = await decompress(codec, body.subarray(HEADER), rawLength);
  } catch (err) {
    throw new ChunkCorruptError(id, `cannot decompress (${(err as Error).message})`);
  }
  return checked(id, data, rawLength);
}

export interface PutResult {
  id: string;
  /** Bytes written to storage; 0 when the chunk was already there. */
  stored: number;
}

export class ChunkStore {
  /** Chunk folders with writes or deletes not yet made durable. */
  private readonly touched = new Set<string>();

  constructor(
    private readonly storage: Storage,
    private readonly codec: CodecName,
  ) {}

  async has(id: string): Promise<boolean> {
    return (await this.storage.size(chunkKey(id))) !== null;
  }

  /** Size on storage, or null when missing. */
  async storedSize(id: string): Promise<number | null> {
    return this.storage.size(chunkKey(id));
  }

  /** Compresses and writes a chunk (see {@link putEncoded}). */
  async put(id: string, data: Uint8Array): Promise<PutResult> {
    return this.putEncoded(id, await encodeChunkAsync(this.codec, data));
  }

  /**
   * Writes a chunk already encoded by {@link encodeChunk} under its id. Not durable until
   * {@link flush}: the caller flushes every chunk folder once, before it writes the manifest
   * that refers to them.
   */
  async putEncoded(id: string, body: Uint8Array): Promise<PutResult> {
    await this.storage.put(chunkKey(id), body, { durable: false });
    this.touched.add(`chunks/${id.slice(0, 2)}`);
    return { id, stored: body.byteLength };
  }

  async flush(): Promise<void> {
    await this.storage.flush(this.touched);
    this.touched.clear();
  }

  /** A chunk's stored bytes, not yet decoded or checked (see {@link decodeChunk}). */
  async getEncoded(id: string): Promise<Buffer> {
    try {
      return await this.storage.get(chunkKey(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ChunkMissingError(id);
      throw err;
    }
  }

  /** Reads, decompresses and checks a chunk against its id. */
  async get(id: string): Promise<Buffer> {
    return decodeChunkAsync(id, await this.getEncoded(id));
  }

  async list(): Promise<string[]> {
    const keys = await this.storage.list('chunks');
    return keys.map((k) => k.slice(k.lastIndexOf('/') + 1)).filter((id) => HASH_HEX.test(id));
  }

  async delete(id: string): Promise<void> {
    await this.storage.delete(chunkKey(id));
    this.touched.add(`chunks/${id.slice(0, 2)}`);
  }
}
