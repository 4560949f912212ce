/** Types of the one exifr entry the pipeline imports (its ES build, for Node and Workers). */
declare module 'exifr/dist/full.esm.mjs' {
  /** The EXIF orientation tag (1–8), or undefined when the image has none. */
  export function orientation(input: Uint8Array | ArrayBuffer): Promise<number | undefined>;
}
