export { cachingVerifier, type IssuerAuthOptions } from './auth.js';
export { CORRELATION_HEADER, CORRELATION_ID_PATTERN, getCorrelationId } from './correlation.js';
export { type D1ErrorBody, type D1ErrorCode, d1ErrorBody } from './d1-error.js';
export { ServerError, type ServerErrorCode } from './errors.js';
export { createIssuerApp, createIssuerRouter, type IssuerServerOptions } from './issuer-router.js';
export type { JweKeys } from './jwe-fields.js';
export { createJsonLogger, maskPans, type ServerLogger } from './logger.js';
export {
  createNotificationHandler,
  type NotificationContext,
  type NotificationHandlerOptions,
  type NotificationItem,
  type NotificationOperationId,
} from './notifications/handler.js';
export {
  SqlNotificationStore,
  type SqlNotificationStoreOptions,
  type SqlQuery,
} from './notifications/sql-store.js';
export {
  type ClaimResult,
  MemoryNotificationStore,
  type NotificationEvent,
  type NotificationStore,
} from './notifications/store.js';
export type {
  ErrorStatus,
  HandledOperationId,
  HandlerContext,
  HandlerInput,
  HandlerResult,
  IssuerHandlers,
  OperationHandler,
  ResponseBody,
  ResponseHeaders,
  WithPlaintext,
} from './operation-types.js';
export { d1Error, notImplemented } from './results.js';
export { OUTBOUND_SPECS } from './validation/engine.js';
