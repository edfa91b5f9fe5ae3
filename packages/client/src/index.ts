export {
  createD1Client,
  type D1Client,
  type D1ClientCore,
  type D1ClientOptions,
  type D1Request,
} from './client.js';
export type { ResponseDrift } from './drift.js';
export {
  D1ClientError,
  type D1ClientErrorCode,
  type D1ClientErrorDetails,
  type InputIssue,
  type InputLocation,
} from './errors.js';
export type { D1Logger, LogFields } from './logger.js';
export { maskPan } from './logger.js';
export { groupOf, methodNameOf, type NamedOperation, nameOperations } from './naming.js';
export { plaintextProperty } from './plaintext.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry.js';
export type {
  BodyInput,
  CallOptions,
  CallOptionsBase,
  D1ApiError,
  D1Failure,
  D1Groups,
  D1Result,
  D1Success,
  InboundOperationId,
  MethodName,
  OperationMethod,
  PathArgs,
  RequestInput,
} from './types.js';
