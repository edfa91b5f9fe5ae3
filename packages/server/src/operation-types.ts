import type {
  OutV1Auth2,
  OutV1PhysicalIssuance,
  OutV1PinManagement,
  OutV2Card,
  operations as operationMeta,
  PlaintextTypes,
} from '@d1kit/generated';
import type { AuthorizedClient } from '@d1kit/mtls';
import type { BearerAuthResult } from '@d1kit/token';
import type { Request } from 'express';
import type { ServerLogger } from './logger.js';

/** openapi-typescript's operation types of every outbound spec, by operationId. */
export type OutboundOperations = OutV1Auth2.operations &
  OutV1PinManagement.operations &
  OutV1PhysicalIssuance.operations &
  OutV2Card.operations;

type Meta = typeof operationMeta;

/** The token endpoint is not a handler: `auth.tokenEndpoint` configures the one from @d1kit/token. */
export type TokenOperationId = 'issueOutboundToken';

/** Operations an issuer implements as handlers: every outbound operation except the token endpoint. */
export type HandledOperationId = Exclude<
  {
    [Id in keyof Meta]: Meta[Id]['direction'] extends 'outbound' ? Id : never;
  }[keyof Meta],
  TokenOperationId
> &
  keyof OutboundOperations;

type JweField = Meta[keyof Meta]['jweFields'][number];

/** The fields of `Id` that travel as JWE on one side (and, for responses, one status). */
type JweFieldsOf<
  Id extends HandledOperationId,
  Side extends 'request' | 'response',
  Status = never,
> = Extract<
  Meta[Id]['jweFields'][number],
  Side extends 'request'
    ? { readonly in: 'request' }
    : { readonly in: 'response'; readonly status: `${Status & number}` }
> &
  JweField;

/** Fields whose pointer continues below `Key`, with that step removed. */
type Below<F, Key extends string> = F extends {
  readonly pointer: `/${Key}/${infer Rest}`;
  readonly schema: infer S;
}
  ? { readonly pointer: `/${Rest}`; readonly schema: S }
  : never;
type LeafAt<F, Key extends string> = F extends { readonly pointer: `/${Key}`; readonly schema: infer S }
  ? S
  : never;

/**
 * `T` with each JWE field replaced by its plaintext type: the handler reads and returns plaintext, the
 * server decrypts and encrypts. `*` in a pointer stands for every array element.
 */
export type WithPlaintext<T, F> = [F] extends [never]
  ? T
  : T extends readonly (infer E)[]
    ? [LeafAt<F, '*'>] extends [never]
      ? WithPlaintext<E, Below<F, '*'>>[]
      : PlaintextTypes[LeafAt<F, '*'> & keyof PlaintextTypes][]
    : T extends object
      ? {
          [K in keyof T]: K extends string
            ? [LeafAt<F, K>] extends [never]
              ? WithPlaintext<T[K], Below<F, K>>
              : PlaintextTypes[LeafAt<F, K> & keyof PlaintextTypes]
            : T[K];
        }
      : T;

type Op<Id extends HandledOperationId> = OutboundOperations[Id];
type Parameters<Id extends HandledOperationId> = Op<Id>['parameters'];
type EmptyObject = Record<string, never>;
type OrEmpty<T> = [NonNullable<T>] extends [never] ? EmptyObject : NonNullable<T>;

type RequestBodyOf<Id extends HandledOperationId> = [NonNullable<Op<Id>['requestBody']>] extends [never]
  ? undefined
  : NonNullable<Op<Id>['requestBody']> extends { content: infer C }
    ? C[keyof C]
    : undefined;

/** What a handler receives: validated parameters and the body with JWE fields already decrypted. */
export interface HandlerInput<Id extends HandledOperationId> {
  readonly params: OrEmpty<Parameters<Id>['path']>;
  readonly headers: OrEmpty<Parameters<Id>['header']>;
  readonly query: OrEmpty<Parameters<Id>['query']>;
  readonly body: WithPlaintext<RequestBodyOf<Id>, JweFieldsOf<Id, 'request'>>;
}

/** IANA-registered client and server error codes: the statuses a `default` response can stand for. */
export type ErrorStatus =
  | 400
  | 401
  | 402
  | 403
  | 404
  | 405
  | 406
  | 407
  | 408
  | 409
  | 410
  | 411
  | 412
  | 413
  | 414
  | 415
  | 416
  | 417
  | 421
  | 422
  | 423
  | 424
  | 425
  | 426
  | 428
  | 429
  | 431
  | 451
  | 500
  | 501
  | 502
  | 503
  | 504
  | 505
  | 506
  | 507
  | 508
  | 510
  | 511;

export type ResponseHeaders = Readonly<Record<string, string>>;

type Responses<Id extends HandledOperationId> = Op<Id>['responses'];
type DeclaredStatus<Id extends HandledOperationId> = Extract<keyof Responses<Id>, number>;

/** One status: with its body (typed per media type) when the spec declares content, else no body. */
type ResultFor<Id extends HandledOperationId, S extends number, R> = R extends { content: infer C }
  ? {
      [M in keyof C & string]: {
        readonly status: S;
        readonly body: WithPlaintext<C[M], JweFieldsOf<Id, 'response', S>>;
        readonly contentType?: M;
        readonly headers?: ResponseHeaders;
      };
    }[keyof C & string]
  : { readonly status: S; readonly body?: undefined; readonly headers?: ResponseHeaders };

/**
 * What a handler may return, by status code: exactly the statuses and bodies the spec declares, plus the
 * `default` body for other error statuses. A body the spec does not allow is a compile error.
 */
export type HandlerResult<Id extends HandledOperationId> =
  | { [S in DeclaredStatus<Id>]: ResultFor<Id, S, Responses<Id>[S]> }[DeclaredStatus<Id>]
  | ('default' extends keyof Responses<Id>
      ? ResultFor<Id, Exclude<ErrorStatus, DeclaredStatus<Id>>, Responses<Id>['default']>
      : never);

/** Facts the server established before the handler runs. */
export interface HandlerContext {
  readonly operationId: HandledOperationId;
  /** D1's `x-correlation-id` when it sent a valid one, else a generated one; also on the response. */
  readonly correlationId: string;
  /** The verified mTLS client certificate, when the mTLS check runs in this app. */
  readonly client: AuthorizedClient | undefined;
  /** The bearer check's outcome (`authenticated: false` in `optional` mode without a token, or `off`). */
  readonly bearer: BearerAuthResult | undefined;
  /** The configured logger, with the correlation id and operation bound. */
  readonly logger: ServerLogger;
  /** The underlying Express request, for what the typed input does not cover. Do not write to `res`. */
  readonly request: Request;
}

export type OperationHandler<Id extends HandledOperationId> = (
  input: HandlerInput<Id>,
  context: HandlerContext,
) => HandlerResult<Id> | Promise<HandlerResult<Id>>;

/** Handlers by operationId; an operation without one answers 501. */
export type IssuerHandlers = { readonly [Id in HandledOperationId]?: OperationHandler<Id> };

/** The body type of one status (after JWE substitution), e.g. for helpers and tests. */
export type ResponseBody<Id extends HandledOperationId, S extends HandlerResult<Id>['status']> = Extract<
  HandlerResult<Id>,
  { readonly status: S }
>['body'];
