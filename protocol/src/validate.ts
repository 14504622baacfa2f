import type { z } from 'zod';
import type { ApiError, ErrorDetail } from './errors';
import { PAYLOAD_TOO_LARGE } from './rest';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ApiError };

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}

/**
 * Validates untrusted input against a contract schema and turns a failure into the
 * contract's error shape: `payload_too_large` for an over-long message body, otherwise
 * `invalid_request` with the offending fields in `details`. Same input, same error.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues;
  const tooLarge = issues.some(
    (issue) =>
      issue.code === 'custom' &&
      (issue as { params?: { code?: unknown } }).params?.code === PAYLOAD_TOO_LARGE,
  );
  const details: ErrorDetail[] = issues.map((issue) => ({
    path: pathOf(issue.path),
    message: issue.message,
  }));
  if (tooLarge) {
    return {
      ok: false,
      error: { code: 'payload_too_large', message: 'The message body is too long.', details },
    };
  }
  return {
    ok: false,
    error: { code: 'invalid_request', message: 'The request is not valid.', details },
  };
}
