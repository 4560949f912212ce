/**
 * Typed failures of the image pipeline. Each has a stable `code`; the edge maps codes to HTTP
 * statuses in one place (`edge/errors.ts`), the trainer reports them with the file name.
 */

/** Stable reasons an image is refused. */
export type ImageErrorCode =
  /** The bytes are a known format that the pipeline does not decode (GIF, SVG, BMP, ...). */
  | 'unsupported_image_type'
  /** The header declares more pixels (or a longer side) than the configured limit. */
  | 'image_too_large'
  /** Truncated, corrupt or unrecognisable bytes. */
  | 'image_undecodable';

/** An image the pipeline refuses, with a message that names the value and the rule. */
export class ImageError extends Error {
  override readonly name = 'ImageError';

  /** @param code stable reason, see {@link ImageErrorCode} */
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}
