/**
 * Errors as they travel: the code catalog, and the JSON every failure is sent as. The server throws
 * `TesseraError` (src/errors.ts) with these codes; the builder and the CLI read the same shape back
 * (wire/client.ts turns it into an `ApiError`).
 */

/** Where in a source file an error sits (1-based line and column, as editors and models expect). */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** The offending source line, when known. */
  lineText?: string;
}

export interface ErrorDetails extends ErrorLocation {
  /** More than one problem (e.g. several compile errors, several missing references). */
  problems?: Array<ErrorLocation & { message: string }>;
  [key: string]: unknown;
}

/**
 * The catalog. Codes are never reused or renamed; `docs/errors.md` documents each (a test checks).
 * User codes: the caller (person, script or model) sent something wrong and can fix it.
 */
export const USER_ERRORS = {
  INVALID_ARGUMENTS: 400,
  INVALID_TENANT_ID: 400,
  INVALID_NAME: 400,
  INVALID_JSON: 400,
  TENANT_NOT_FOUND: 404,
  TENANT_EXISTS: 409,
  UNKNOWN_TOOL: 404,
  NOT_FOUND: 404,
  SQL_REFUSED: 400,
  SQL_ERROR: 400,
  COMPILE_ERROR: 400,
  FUNCTION_INVALID: 400,
  BLUEPRINT_INVALID: 400,
  BLUEPRINT_REFERENCE: 400,
  PATH_REFUSED: 400,
  PACKAGE_UNAVAILABLE: 400,
  PAYLOAD_TOO_LARGE: 413,
  TENANT_BUSY: 409,
  RENDER_FAILED: 400,
  INVALID_VERSION: 400,
  RELEASE_EXISTS: 409,
  RELEASE_NOT_FOUND: 404,
  REVERT_REFUSED: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CROSS_SITE_REFUSED: 403,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOO_MANY_ATTEMPTS: 429,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  LAST_OWNER: 409,
  WEAK_PASSWORD: 400,
  MISDIRECTED_HOST: 421,
  HTTPS_REQUIRED: 403,
  MODEL_NOT_CONFIGURED: 503,
  MODEL_REFUSED: 502,
  AGENT_CANCELLED: 409,
  AGENT_LIMIT: 409,
  PACKAGE_NOT_FOUND: 400,
  PACKAGE_VERSION_NOT_FOUND: 400,
  PACKAGE_TOO_LARGE: 400,
  PACKAGE_NATIVE_BUILD: 400,
  PACKAGE_NODE_BUILTINS: 400,
  QUOTA_EXCEEDED: 413,
  BUILD_TIMEOUT: 400,
  BUILD_OUT_OF_MEMORY: 400,
  // App users (docs/app-users.md): the people who use a generated app, on its own origin.
  EMAIL_TAKEN: 409,
  SIGNUP_CLOSED: 403,
  INVALID_CREDENTIALS: 401,
  SIGN_IN_REQUIRED: 401,
  INVALID_RESET_TOKEN: 400,
  // App mail (`@tessera/email`, reset mails): over the app's hourly budget; the app's SMTP server refused, unreachable or not allowed.
  EMAIL_RATE_LIMITED: 429,
  EMAIL_FAILED: 502,
  EXPORT_UNSUPPORTED: 409,
  // Draft data, live data, snapshots (docs/data-safety.md).
  CONFIRM_DATA_LOSS: 409,
  MIGRATION_MISSING: 409,
  BACKUP_UNAVAILABLE: 409,
} as const;

/** System codes: something on the platform's side failed; the caller can only retry or report it. */
export const SYSTEM_ERRORS = {
  INTERNAL: 500,
  FUNCTION_FAILED: 500,
  FUNCTION_CRASHED: 502,
  FUNCTION_TIMEOUT: 504,
  RUNTIME_UNAVAILABLE: 503,
  COMMIT_FAILED: 500,
  MODEL_UNAVAILABLE: 502,
  FUNCTION_BUSY: 429,
  PACKAGE_INTEGRITY_MISMATCH: 502,
  REGISTRY_DATA_INVALID: 502,
  REGISTRY_UNAVAILABLE: 503,
  IDENTITY_PROVIDER_UNAVAILABLE: 502,
  TENANT_UNAVAILABLE: 503,
} as const;

export type UserErrorCode = keyof typeof USER_ERRORS;
export type SystemErrorCode = keyof typeof SYSTEM_ERRORS;
export type ErrorCode = UserErrorCode | SystemErrorCode;

/** An error as JSON: the `error` of a failed reply, a failed tool result or an agent event. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/** A failed control-API reply: `{ ok: false, error: { code, message, details? } }`. */
export interface ErrorEnvelope {
  ok: false;
  error: WireError;
}

/** Whether a parsed reply body is the error envelope. */
export function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== 'object' || body === null || (body as { ok?: unknown }).ok !== false) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
