import type { D1ErrorBody } from './d1-error.js';
import type { ErrorStatus } from './operation-types.js';

/** A D1-shaped error result any handler may return (`default` covers every error status). */
export function d1Error<S extends ErrorStatus>(
  status: S,
  error: string,
  message?: string,
): { readonly status: S; readonly body: D1ErrorBody } {
  return { status, body: message === undefined ? { error } : { error, message } };
}

/** What an operation without a handler, or a scaffolded stub, answers. */
export function notImplemented(operationId: string): { readonly status: 501; readonly body: D1ErrorBody } {
  return d1Error(501, 'NOT_IMPLEMENTED', `${operationId} is not implemented by this issuer`);
}
