import { hash } from 'node:crypto';
import {
  type ClientCertAuthorizer,
  type ClientCertPolicy,
  clientCertAuth,
  getClientIdentity,
} from '@d1kit/mtls';
import {
  type BearerMode,
  type BearerVerifier,
  bearerAuth,
  createBearerVerifier,
  createTokenEndpoint,
  type TokenEndpointOptions,
  type VerifiedBearer,
} from '@d1kit/token';
import type { Request, RequestHandler } from 'express';
import { ServerError } from './errors.js';
import type { ServerLogger } from './logger.js';

export interface IssuerAuthOptions {
  /**
   * Who may connect: a client-certificate policy (or authorizer) from @d1kit/mtls, checked on every
   * request. `'off'` only when TLS terminates in front of this app and that proxy enforces mTLS.
   */
  readonly mtls: ClientCertPolicy | ClientCertAuthorizer | 'off';
  /** Whether D1 must send a bearer token: a per-tenant choice made at onboarding (contract gap 25). */
  readonly bearer: BearerMode;
  /** Verifies D1's tokens. Defaults to a verifier for the tokens `tokenEndpoint` issues. */
  readonly verifier?: BearerVerifier;
  /** Hosts the OUT-v1-Auth2 token endpoint (`POST /authz/d1/v1/oauth2/token`) in this app. */
  readonly tokenEndpoint?: TokenEndpointOptions;
  /** Scope(s) every bearer token must carry. */
  readonly scope?: string | readonly string[];
  /**
   * How long a verified token is remembered, in seconds (never past its `exp`); 0 verifies every request.
   * Default 60. D1 reuses one token for its whole lifetime, so this saves an ES256 check per request; a
   * key retired with `KeyRing.retire` stops being accepted at the latest after this long.
   */
  readonly bearerCacheSeconds?: number;
}

const MAX_CACHE_SECONDS = 300;

/** Remembers successful verifications by the SHA-256 of the token; failures are never cached. */
export function cachingVerifier(
  inner: BearerVerifier,
  options: { readonly ttlSeconds: number; readonly maxEntries?: number; readonly now?: () => number },
): BearerVerifier {
  const ttlMs = options.ttlSeconds * 1000;
  const maxEntries = options.maxEntries ?? 64;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly result: VerifiedBearer; readonly until: number }>();
  return Object.freeze({
    async verify(token: string): Promise<VerifiedBearer> {
      // One-shot: no Hash object per request.
      const key = hash('sha256', String(token), 'base64url');
      const at = now();
      const hit = cache.get(key);
      if (hit && hit.until > at) return hit.result;
      if (hit) cache.delete(key);
      const result = await inner.verify(token);
      const exp = typeof result.claims.exp === 'number' ? result.claims.exp * 1000 : at;
      const until = Math.min(exp, at + ttlMs);
      if (until > at) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
        cache.set(key, { result, until });
      }
      return result;
    },
  });
}

export interface ResolvedAuth {
  readonly mtls: RequestHandler | undefined;
  readonly bearer: RequestHandler;
  readonly tokenEndpoint: RequestHandler | undefined;
}

function assertMode(mode: unknown): asserts mode is BearerMode {
  if (mode !== 'required' && mode !== 'optional' && mode !== 'off') {
    throw new ServerError('CONFIG_INVALID', "auth.bearer must be 'required', 'optional' or 'off'");
  }
}

/** Validates the auth options once and builds the middleware in the order the issue requires. */
export function resolveAuth(options: IssuerAuthOptions, logger: ServerLogger): ResolvedAuth {
  if (!options || typeof options !== 'object') throw new ServerError('CONFIG_INVALID', 'auth is required');
  if (options.mtls === undefined || options.mtls === null) {
    throw new ServerError('CONFIG_INVALID', "auth.mtls must be a client-certificate policy or 'off'");
  }
  assertMode(options.bearer);
  const cacheSeconds = options.bearerCacheSeconds ?? 60;
  if (!Number.isFinite(cacheSeconds) || cacheSeconds < 0 || cacheSeconds > MAX_CACHE_SECONDS) {
    throw new ServerError('CONFIG_INVALID', `auth.bearerCacheSeconds must be 0-${MAX_CACHE_SECONDS}`);
  }

  const mtls =
    options.mtls === 'off'
      ? undefined
      : clientCertAuth(options.mtls, {
          onRefused: (event) =>
            logger.warn(
              { event: 'mtls.refused', refusal: event.refusal, fingerprint256: event.fingerprint256 },
              'client certificate refused',
            ),
        });

  const endpoint = options.tokenEndpoint;
  const tokenEndpoint = endpoint
    ? createTokenEndpoint({
        ...endpoint,
        onEvent: (event) => {
          const { type, ...fields } = event;
          logger.info({ event: `token.${type}`, ...fields }, 'token endpoint');
          endpoint.onEvent?.(event);
        },
        onInternalError: (error) => {
          logger.error(
            { event: 'token.internal_error', errorName: (error as Error)?.name },
            'token endpoint fault',
          );
          endpoint.onInternalError?.(error);
        },
      })
    : undefined;

  if (options.bearer === 'off') {
    return { mtls, tokenEndpoint, bearer: bearerAuth({ mode: 'off' }) };
  }
  let verifier = options.verifier;
  if (!verifier && endpoint) {
    verifier = createBearerVerifier({
      keys: endpoint.keys,
      issuer: endpoint.issuer,
      audience: endpoint.audience,
      clientIds: endpoint.clients.map((client) => client.clientId),
    });
  }
  if (!verifier) {
    throw new ServerError(
      'CONFIG_INVALID',
      `auth.bearer '${options.bearer}' needs auth.verifier or auth.tokenEndpoint to check tokens with`,
    );
  }
  if (cacheSeconds > 0) verifier = cachingVerifier(verifier, { ttlSeconds: cacheSeconds });
  const bearer = bearerAuth({
    mode: options.bearer,
    verifier,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    onFailure: (error) =>
      logger.warn(
        { event: 'bearer.refused', errorCode: error.code, reason: error.reason },
        'bearer token refused',
      ),
  });
  return { mtls, tokenEndpoint, bearer };
}

/** The mTLS identity of the request, if this app (or createMtlsServer) verified one. */
export function clientOf(req: Request) {
  return getClientIdentity(req);
}
