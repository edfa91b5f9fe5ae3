import type {
  InV1Auth2,
  InV1PhysicalIssuance,
  InV2Card,
  operations as operationMetadata,
  PlaintextTypes,
} from '@d1kit/generated';
import type { ResponseDrift } from './drift.js';
import type { GroupOfPath, MethodNameOf } from './naming-types.js';
import type { RetryOptions } from './retry.js';

type Meta = typeof operationMetadata;

/** Every operation the issuer calls on D1 (direction `inbound` in the metadata). */
export type InboundOperationId = {
  [K in keyof Meta]: Meta[K]['direction'] extends 'inbound' ? K : never;
}[keyof Meta];

/**
 * openapi-typescript's operation types of the carried inbound specs. A new operation in one of these specs
 * needs nothing here; a new inbound spec adds its namespace to this one line (until then its operations
 * still work, typed loosely as UntypedOperation).
 */
type SpecOperations = InV1Auth2.operations & InV2Card.operations & InV1PhysicalIssuance.operations;

interface UntypedOperation {
  parameters: { path?: Record<string, string>; header?: Record<string, string> };
  requestBody?: { content: Record<string, unknown> };
  responses: Record<number | 'default', { content: Record<string, unknown> }>;
}

type OperationTypes<K> = K extends keyof SpecOperations ? SpecOperations[K] : UntypedOperation;

type Simplify<T> = { [P in keyof T]: T[P] } & {};

type JsonOrFirst<C> = 'application/json' extends keyof C ? C['application/json'] : C[keyof C];

// ---------------------------------------------------------------------------------------------- input

type PathParams<K> = NonNullable<OperationTypes<K>['parameters']['path']>;
type HeaderParams<K> = NonNullable<OperationTypes<K>['parameters']['header']>;

type PathNames<P> = P extends readonly [infer Head, ...infer Tail]
  ? Head extends { readonly in: 'path'; readonly name: infer N extends string }
    ? N extends 'issuerId'
      ? PathNames<Tail>
      : [N, ...PathNames<Tail>]
    : PathNames<Tail>
  : [];

type PathArgTuple<K, Names> = Names extends readonly [infer Head, ...infer Tail]
  ? [Head extends keyof PathParams<K> ? PathParams<K>[Head] : string, ...PathArgTuple<K, Tail>]
  : [];

/** Positional path arguments of a convenience method, in path order; `issuerId` comes from the client. */
export type PathArgs<K extends InboundOperationId> = PathArgTuple<K, PathNames<Meta[K]['parameters']>>;

type PlainProperty<S extends string> = S extends 'CardCredentials' | 'PhysicalCardData'
  ? 'card'
  : Uncapitalize<S>;
type PlainType<S> = S extends keyof PlaintextTypes ? PlaintextTypes[S] : Record<string, unknown>;
type TopLevel<P> = P extends `/${infer Name}` ? (Name extends `${string}/${string}` ? never : Name) : never;

/** One JWE field: either the typed plaintext under its friendly name or a ready compact JWE, never both. */
type WithPlaintext<B, Field extends string, Prop extends string, Plain> = B extends object
  ? Field extends keyof B
    ? Omit<B, Field> &
        (Partial<Pick<B, Field>> extends Pick<B, Field>
          ?
              | ({ [F in Field]?: string } & { [P in Prop]?: never })
              | ({ [P in Prop]?: Plain } & { [F in Field]?: never })
          :
              | ({ [F in Field]: string } & { [P in Prop]?: never })
              | ({ [P in Prop]: Plain } & { [F in Field]?: never }))
    : B
  : B;

type ApplyJwe<B, Fields> = Fields extends readonly [infer F, ...infer Rest]
  ? ApplyJwe<
      F extends { readonly in: 'request'; readonly pointer: infer P; readonly schema: infer S extends string }
        ? [TopLevel<P>] extends [never]
          ? B
          : WithPlaintext<B, TopLevel<P> & string, PlainProperty<S>, PlainType<S>>
        : B,
      Rest
    >
  : B;

type RawBody<K> = OperationTypes<K> extends { requestBody?: { content: infer C } } ? JsonOrFirst<C> : never;

/** The request body as the caller writes it: the spec's body with JWE fields open to plaintext. */
export type BodyInput<K extends InboundOperationId> = ApplyJwe<RawBody<K>, Meta[K]['jweFields']>;

export interface CallOptionsBase {
  /** Sent as `x-correlation-id`; generated when absent. Must match `^[A-Za-z0-9_-]{1,64}$` and hold no personal data. */
  readonly correlationId?: string;
  /** Cancels the call, including waits between attempts. */
  readonly signal?: AbortSignal;
  /** Per attempt, overriding the client's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Overrides the client's retry options for this call; `false` sends once. */
  readonly retry?: Partial<RetryOptions> | false;
  /** Overrides the client's issuerId (aggregators acting for several issuers). */
  readonly issuerId?: string;
}

export type CallOptions<K extends InboundOperationId> = CallOptionsBase & {
  /** Other header parameters the spec declares (e.g. `x-user-id`). */
  readonly headers?: Simplify<Omit<HeaderParams<K>, 'x-correlation-id'>>;
};

type BodyArgs<K extends InboundOperationId> = Meta[K]['requestBody'] extends null
  ? []
  : Meta[K]['requestBody'] extends { readonly required: true }
    ? [body: BodyInput<K>]
    : [body?: BodyInput<K>];

type PathInput<K extends InboundOperationId> =
  PathArgs<K> extends []
    ? { readonly path?: Partial<PathParams<K>> }
    : { readonly path: Simplify<Omit<PathParams<K>, 'issuerId'> & { readonly issuerId?: string }> };

type BodyField<K extends InboundOperationId> =
  BodyArgs<K> extends []
    ? { readonly body?: never }
    : BodyArgs<K> extends [unknown]
      ? { readonly body: BodyInput<K> }
      : { readonly body?: BodyInput<K> };

/** Input of `d1.request(operationId, input)`. */
export type RequestInput<K extends InboundOperationId> = CallOptions<K> & PathInput<K> & BodyField<K>;

// --------------------------------------------------------------------------------------------- result

type Responses<K> = OperationTypes<K>['responses'];
type ContentOf<R> = R extends { content: infer C } ? JsonOrFirst<C> : undefined;
type IsSuccess<S> = S extends number ? (`${S}` extends `2${string}` ? true : false) : false;

/** D1's error answer, as far as it can be read. Its message is informational only; branch on status and code. */
export interface D1ApiError<Body = unknown> {
  readonly status: number;
  /** `code` (or OAuth-style `error`) from the body, only when it is a short identifier. */
  readonly code: string | undefined;
  /** `message` from the body, shortened and with card-number-like digit runs masked. */
  readonly message: string | undefined;
  /** What D1 sent back in `x-correlation-id` (or the body's `correlationId`), else what the client sent. */
  readonly correlationId: string;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  readonly body: Body | undefined;
}

interface ResultBase<K> {
  readonly operationId: K;
  /** The `x-correlation-id` this call sent (the same on every attempt). */
  readonly correlationId: string;
  readonly attempts: number;
  readonly headers: Headers;
  /** Where the response did not match the spec (empty unless response validation is on). */
  readonly drift: readonly ResponseDrift[];
}

export interface D1Success<K, S extends number, Data> extends ResultBase<K> {
  readonly ok: true;
  readonly status: S;
  readonly data: Data;
}

export interface D1Failure<K, S extends number, Body> extends ResultBase<K> {
  readonly ok: false;
  readonly status: S;
  readonly error: D1ApiError<Body>;
}

type SuccessOf<K> = {
  [S in keyof Responses<K>]: IsSuccess<S> extends true
    ? D1Success<K, S & number, ContentOf<Responses<K>[S]>>
    : never;
}[keyof Responses<K>];

type DeclaredFailureOf<K> = {
  [S in keyof Responses<K>]: S extends number
    ? IsSuccess<S> extends true
      ? never
      : D1Failure<K, S, ContentOf<Responses<K>[S]>>
    : never;
}[keyof Responses<K>];

type DefaultBody<K> = 'default' extends keyof Responses<K> ? ContentOf<Responses<K>['default']> : unknown;

/**
 * What a call returns, discriminated by `ok` and then by `status`: one member per declared status, plus
 * a failure for statuses the spec does not declare (including an undeclared 2xx, whose shape the client
 * cannot vouch for).
 */
export type D1Result<K extends InboundOperationId> =
  | SuccessOf<K>
  | DeclaredFailureOf<K>
  | D1Failure<K, number, DefaultBody<K>>;

export type OperationMethod<K extends InboundOperationId> = (
  ...args: [...PathArgs<K>, ...BodyArgs<K>, options?: CallOptions<K>]
) => Promise<D1Result<K>>;

// ------------------------------------------------------------------------------------------- grouping

type GroupOf<K extends InboundOperationId> = GroupOfPath<Meta[K]['path']>;
type RawName<K extends InboundOperationId> = MethodNameOf<K, GroupOf<K>>;

type CollidesWith<K extends InboundOperationId> = Exclude<
  {
    [J in InboundOperationId]: GroupOf<J> extends GroupOf<K>
      ? RawName<J> extends RawName<K>
        ? J
        : never
      : never;
  }[InboundOperationId],
  K
>;

export type MethodName<K extends InboundOperationId> = [CollidesWith<K>] extends [never] ? RawName<K> : K;

/** `d1.cards`, `d1.physicalCards`, `d1.oauth2`: every inbound operation, grouped and named by naming.ts. */
export type D1Groups = {
  [G in GroupOf<InboundOperationId>]: {
    [K in InboundOperationId as GroupOf<K> extends G ? MethodName<K> : never]: OperationMethod<K>;
  };
};
