/**
 * The one error type of Tessera. Every failure that reaches a user, an HTTP client or the model
 * is a `TesseraError`: a stable `code` from the catalog below, an HTTP `status`, and a message that
 * says what failed and how to fix it. HTTP replies and tool results both send `toJSON()`.
 */

import { SYSTEM_ERRORS, USER_ERRORS, type ErrorCode, type ErrorDetails, type UserErrorCode, type WireError } from '../wire/errors.ts';

// The catalog and the error's JSON are wire types (wire/errors.ts): the builder and the CLI read them too.
export { SYSTEM_ERRORS, USER_ERRORS, type ErrorCode, type ErrorDetails, type ErrorLocation, type SystemErrorCode, type UserErrorCode } from '../wire/errors.ts';

/** What `toJSON()` sends: the `error` of an HTTP reply or a tool result. */
export type TesseraErrorJSON = WireError;

const STATUS: Record<ErrorCode, number> = { ...USER_ERRORS, ...SYSTEM_ERRORS };

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.status = STATUS[code];
    if (options.details) this.details = options.details;
  }

  toJSON(): TesseraErrorJSON {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** Wraps anything thrown into a TesseraError, keeping TesseraErrors as they are. */
export function toTesseraError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TesseraError('INTERNAL', `Internal error: ${message}`, { cause: err });
}

export function isUserError(code: ErrorCode): code is UserErrorCode {
  return code in USER_ERRORS;
}
