/**
 * Item images of one catalog version, packed for the edge: every item's picture as raw 8-bit
 * pixels of one fixed size (dark garment on white, as the service shows it), in index-ordinal
 * order, cut into shards of whole records. The edge encodes one record to PNG on request.
 *
 * ```text
 * <prefix>/<version>/images/manifest.json   see ImagePackManifest
 * <prefix>/<version>/images/000.bin, 001…   records of ordinals [i·perShard, (i+1)·perShard)
 * ```
 *
 * One record holds `width · height · channels` bytes, row-major, channels interleaved
 * (gray, or R G B). Fashion-MNIST: 28·28·1 = 784 bytes, stored as 255 − pixel. Small shards keep
 * the first image request of an isolate cheap (one shard is read, not the whole pack).
 * No Node APIs: the build tools and the worker share this module.
 */
import { z } from 'zod';

/** The `format` of an image pack manifest. */
export const IMAGE_PACK_FORMAT = 'fashion-similarity/images@1';
/** Folder of the pack inside a catalog version. */
export const IMAGE_PACK_DIR = 'images';
/** Largest shard, in bytes (1 MiB; the static-asset limit is 25 MiB a file). */
export const MAX_IMAGE_SHARD_BYTES = 1024 * 1024;

const shardSchema = z.object({
  path: z.string().regex(/^images\/[0-9]{3,}\.bin$/, 'images/NNN.bin'),
  bytes: z.number().int().positive(),
});

/** Schema of `images/manifest.json`. */
export const ImagePackManifestSchema = z.object({
  format: z.literal(IMAGE_PACK_FORMAT),
  /** Pixels per row and rows of every record. */
  width: z.number().int().min(1).max(1024),
  height: z.number().int().min(1).max(1024),
  /** 1 (gray) or 3 (RGB). */
  channels: z.union([z.literal(1), z.literal(3)]),
  /** Records, one per index ordinal. */
  count: z.number().int().positive(),
  /** Records in each shard but the last. */
  perShard: z.number().int().positive(),
  shards: z.array(shardSchema).min(1),
});

/** A parsed `images/manifest.json`. */
export type ImagePackManifest = z.infer<typeof ImagePackManifestSchema>;

/** Pixels of one image: `data` Uint8Array, size width·height·channels, row-major. */
export interface PackedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** Bytes of one record of `manifest`. */
export function recordBytes(pack: Pick<ImagePackManifest, 'width' | 'height' | 'channels'>) {
  return pack.width * pack.height * pack.channels;
}

/**
 * Lays out the pack of `records` (Uint8Array, size count·recordBytes, in ordinal order) as files
 * under `<base>/images/`; returns them by path, manifest included.
 */
export function imagePackFiles(
  base: string,
  shape: Pick<ImagePackManifest, 'width' | 'height' | 'channels'>,
  records: Uint8Array,
  maxShardBytes = MAX_IMAGE_SHARD_BYTES,
): Map<string, Uint8Array> {
  const size = recordBytes(shape);
  if (records.length === 0 || records.length % size !== 0) {
    throw new RangeError(
      `records has ${records.length} bytes, not a positive multiple of ` +
        `width·height·channels = ${size}`,
    );
  }
  const count = records.length / size;
  const perShard = Math.max(1, Math.floor(maxShardBytes / size));
  const files = new Map<string, Uint8Array>();
  const shards: ImagePackManifest['shards'] = [];
  for (let first = 0, i = 0; first < count; first += perShard, i++) {
    const path = `${IMAGE_PACK_DIR}/${String(i).padStart(3, '0')}.bin`;
    const bytes = records.subarray(first * size, Math.min(count, first + perShard) * size);
    shards.push({ path, bytes: bytes.length });
    files.set(`${base}/${path}`, bytes);
  }
  const manifest: ImagePackManifest = {
    format: IMAGE_PACK_FORMAT,
    ...shape,
    count,
    perShard,
    shards,
  };
  const json = `${JSON.stringify(manifest, null, 2)}\n`;
  files.set(`${base}/${IMAGE_PACK_DIR}/manifest.json`, new TextEncoder().encode(json));
  return files;
}

/** Where the record of `ordinal` lives: shard number and byte offset inside it. */
export function locateRecord(pack: ImagePackManifest, ordinal: number): [number, number] {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= pack.count) {
    throw new RangeError(`ordinal ${ordinal} is outside the pack's 0..${pack.count - 1}`);
  }
  const shard = Math.floor(ordinal / pack.perShard);
  const offset = (ordinal - shard * pack.perShard) * recordBytes(pack);
  if (shard >= pack.shards.length || offset + recordBytes(pack) > pack.shards[shard].bytes) {
    throw new RangeError(`ordinal ${ordinal} is past the end of ${pack.shards.length} shards`);
  }
  return [shard, offset];
}

/** Expands a packed image to RGBA (Uint8ClampedArray, size width·height·4), opaque. */
export function toRgba(image: PackedImage): Uint8ClampedArray<ArrayBuffer> {
  const pixels = image.width * image.height;
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const at = p * image.channels;
    const gray = image.channels === 1;
    out[p * 4] = image.data[at];
    out[p * 4 + 1] = image.data[gray ? at : at + 1];
    out[p * 4 + 2] = image.data[gray ? at : at + 2];
    out[p * 4 + 3] = 255;
  }
  return out;
}
