/**
 * Errors a remediation step can end with. Each class sets `name`, which is
 * what a Step Functions Retry or Catch matches (`ErrorEquals`), so the names
 * are part of the workflow's contract: throttling and 5xx are retried; access
 * denied, not found and invalid requests are not.
 */
export class RemediationError extends Error {
  override name = "RemediationError";
}

/** The service asked us to slow down. Retried with backoff. */
export class ThrottledError extends RemediationError {
  override name = "ThrottledError";
}

/** The service failed (5xx, timeout). Retried with backoff. */
export class ServiceUnavailableError extends RemediationError {
  override name = "ServiceUnavailableError";
}

/** The remediator role lacks a permission. Not retried: a person must fix the role. */
export class AccessDeniedError extends RemediationError {
  override name = "AccessDeniedError";
}

/** The resource is gone. Not retried. */
export class ResourceNotFoundError extends RemediationError {
  override name = "ResourceNotFoundError";
}

/** The request was malformed or conflicts with the resource's state. Not retried. */
export class InvalidRequestError extends RemediationError {
  override name = "InvalidRequestError";
}

/** Apply ran but the resource did not read back compliant. */
export class VerificationFailedError extends RemediationError {
  override name = "VerificationFailedError";
}

/** A guardrail said no (protected principal, own change, kill switch). Never retried. */
export class GuardrailRefusedError extends RemediationError {
  override name = "GuardrailRefusedError";
}

export const RETRYABLE_ERRORS = ["ThrottledError", "ServiceUnavailableError"] as const;

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|Rate exceeded/i;
const DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError|Forbidden|NotAuthorized/i;
const NOT_FOUND = /NotFound|NoSuch|DoesNotExist|NotExist/i;

/** Maps an AWS SDK v3 error to the class the workflow matches on. */
export function classifyAwsError(error: unknown): RemediationError {
  if (error instanceof RemediationError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e?.name ?? "Error";
  const message = `${name}: ${e?.message ?? String(error)}`;
  const status = e?.$metadata?.httpStatusCode;
  const options = { cause: error };
  if (THROTTLING.test(name) || status === 429 || e?.$retryable) return new ThrottledError(message, options);
  if (DENIED.test(name) || status === 403) return new AccessDeniedError(message, options);
  if (NOT_FOUND.test(name) || status === 404) return new ResourceNotFoundError(message, options);
  if (status !== undefined && status >= 500) return new ServiceUnavailableError(message, options);
  if (/TimeoutError|ECONNRESET|ETIMEDOUT|socket hang up/i.test(message)) return new ServiceUnavailableError(message, options);
  return new InvalidRequestError(message, options);
}
