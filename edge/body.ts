/**
 * Request bodies read under a byte limit: the declared Content-Length is checked first, then the
 * stream is counted as it arrives and abandoned as soon as it passes the limit, so an oversized
 * upload is refused before it is all read and never held in memory.
 */
import { ApiError } from './errors.ts';

/** Reads the whole body, refusing it once it passes `maxBytes` (413). */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    throw tooLarge(`Content-Length is ${declared} bytes`, maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(`the body passed ${maxBytes} bytes`, maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(what: string, maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `${what}; the limit is ${maxBytes} bytes`);
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaTypeOf(contentType: string | undefined | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Reads a JSON body under the limit: 415 unless Content-Type is JSON, 400 when empty or not
 * JSON. Returns the text, known to parse.
 */
export async function readJsonText(request: Request, maxBytes: number): Promise<string> {
  const type = mediaTypeOf(request.headers.get('content-type'));
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(type)) {
    throw new ApiError(
      'unsupported_media_type',
      `Content-Type is '${type || '(none)'}'; send application/json`,
    );
  }
  const bytes = await readBodyLimited(request, maxBytes);
  if (bytes.length === 0) throw new ApiError('empty_body', 'the body is empty; send a JSON object');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'invalid';
    throw new ApiError('malformed_json', `the body is not valid JSON: ${why}`);
  }
  return text;
}
