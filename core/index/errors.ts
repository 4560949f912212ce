/** The error of the index reader. */

/** Which check an unreadable index file failed. */
export type IndexFormatFault = 'magic' | 'version' | 'length' | 'checksum' | 'header' | 'section';

/** Thrown by the reader; `fault` says which check failed, the message says how. */
export class IndexFormatError extends Error {
  constructor(
    readonly fault: IndexFormatFault,
    message: string,
  ) {
    super(`index file: bad ${fault}: ${message}`);
    this.name = 'IndexFormatError';
  }
}
