/**
 * Typed request errors and the one handler that maps them to `{ error: { code, message } }`.
 *
 * Every expected failure (bad input, unknown id, missing artifacts) is an {@link ApiError} or an
 * {@link ImageError} with a stable code; the status comes from one table. Anything else is a bug:
 * it is logged with its stack and answered with a plain 500.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ImageError, type ImageErrorCode } from '../core/image/index.ts';
import { logEvent } from './log.ts';

/** Stable public error codes, the `error.code` of a JSON error body. */
export type ApiErrorCode =
  | ImageErrorCode
  | 'invalid_parameter'
  | 'malformed_json'
  | 'empty_body'
  | 'invalid_body'
  | 'invalid_vector'
  | 'missing_image'
  | 'not_found'
  | 'unknown_item'
  | 'unknown_category'
  | 'unknown_catalog'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'service_unavailable'
  | 'internal_error';

/** HTTP status of each code: bad input is always 4xx. */
export const ERROR_STATUS: Readonly<Record<ApiErrorCode, ContentfulStatusCode>> = {
  invalid_parameter: 400,
  malformed_json: 400,
  empty_body: 400,
  missing_image: 400,
  not_found: 404,
  unknown_item: 404,
  unknown_category: 404,
  unknown_catalog: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  image_too_large: 413,
  unsupported_media_type: 415,
  unsupported_image_type: 415,
  invalid_body: 422,
  invalid_vector: 422,
  image_undecodable: 422,
  service_unavailable: 503,
  internal_error: 500,
};

/** A request failure with a stable code; its status is {@link ERROR_STATUS}[code]. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  /** @param headers extra response headers, e.g. `Allow` for 405 */
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The JSON body of an error answer. */
export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}

/** Answers `err` as JSON; the `app.onError` handler. */
export function handleError(err: unknown, c: Context): Response {
  const known = toApiError(err);
  if (known) {
    const status = ERROR_STATUS[known.code];
    return c.json(errorBody(known.code, known.message), status, known.headers);
  }
  const error = err instanceof Error ? { message: err.message, stack: err.stack } : { err };
  logEvent('error', 'unhandled_error', { method: c.req.method, path: c.req.path, ...error });
  return c.json(errorBody('internal_error', 'internal error'), 500);
}

function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ImageError) return new ApiError(err.code, err.message);
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ApiError('payload_too_large', err.message);
    if (err.status === 400 && /json/i.test(err.message)) {
      return new ApiError('malformed_json', 'the body is not valid JSON');
    }
    if (err.status >= 400 && err.status < 500) return new ApiError('invalid_body', err.message);
  }
  return undefined;
}
