import type { Dispatcher } from 'undici';
import type { AssertionSigner } from './assertion.js';
import { D1_ENVIRONMENTS, type D1Environment, isD1Environment } from './environments.js';
import { TokenError } from './errors.js';
import { redacting } from './redact.js';
import { backoffDelayMs, DEFAULT_RETRY, type RetryPolicy, sleep } from './retry.js';
import { type AttemptResult, type FetchLike, requestToken } from './token-request.js';

/** Logs as `accessToken: '[redacted]'` (JSON and util.inspect); read `accessToken` to use it. */
export interface D1AccessToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Epoch milliseconds, counted from when the request was sent (so slightly early, never late). */
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

export interface TokenProviderOptions {
  /** Signs a fresh assertion for each HTTP attempt. */
  readonly signer: Pick<AssertionSigner, 'sign'>;
  /** Which D1 token endpoint to call; or give `tokenUrl` (e.g. a local test server). Exactly one. */
  readonly environment?: D1Environment;
  readonly tokenUrl?: string;
  /** Defaults to the global fetch. Supply one that carries your mTLS client certificate. */
  readonly fetch?: FetchLike;
  /** undici Dispatcher (e.g. an mTLS Agent) passed to fetch as `dispatcher`. */
  readonly dispatcher?: Dispatcher;
  /** Start refreshing this long before expiry (capped at half the token's lifetime). Default 60. */
  readonly refreshAheadSeconds?: number;
  /** Never hand out a token with less validity left than this (capped at a quarter). Default 10. */
  readonly minValiditySeconds?: number;
  /** Used when D1 omits `expires_in`. Default 900, the lifetime D1 documents. */
  readonly fallbackLifetimeSeconds?: number;
  /** Per-attempt timeout, including reading the body. Default 10 000. */
  readonly requestTimeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Value for the optional `x-correlation-id` header, per request. */
  readonly correlationId?: () => string | undefined;
  /** A refresh that ran in the background (while the old token was still good) failed. */
  readonly onBackgroundRefreshError?: (error: TokenError) => void;
  /** Clock in epoch milliseconds and random source in [0, 1) (tests). */
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface TokenProvider {
  /** A cached token when one is fresh enough; otherwise one request to D1, shared by all concurrent callers. */
  getToken(): Promise<D1AccessToken>;
  /**
   * Drops the cached token, e.g. after a D1 API answered 401. Pass the token that was refused so a
   * token fetched meanwhile is kept (many parallel 401s then cause one refresh, not many).
   */
  invalidate(accessToken?: string): void;
}

interface CacheEntry {
  readonly token: D1AccessToken;
  readonly promise: Promise<D1AccessToken>;
  readonly refreshAt: number;
  readonly usableUntil: number;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const result = value ?? fallback;
  if (
    typeof result !== 'number' ||
    !Number.isFinite(result) ||
    result < 0 ||
    (integer && !Number.isInteger(result))
  ) {
    throw new TokenError(
      'CONFIG_INVALID',
      `${name} must be a non-negative ${integer ? 'integer' : 'number'}`,
    );
  }
  return result;
}

function resolveTokenUrl(options: TokenProviderOptions): string {
  if ((options.environment === undefined) === (options.tokenUrl === undefined)) {
    throw new TokenError('CONFIG_INVALID', 'Give exactly one of environment and tokenUrl');
  }
  if (options.environment !== undefined) {
    if (!isD1Environment(options.environment)) {
      throw new TokenError('CONFIG_INVALID', 'environment must be production, staging or develop');
    }
    return D1_ENVIRONMENTS[options.environment].tokenUrl;
  }
  let url: URL;
  try {
    url = new URL(options.tokenUrl as string);
  } catch {
    throw new TokenError('CONFIG_INVALID', 'tokenUrl is not a valid URL');
  }
  if (url.protocol !== 'https:') throw new TokenError('CONFIG_INVALID', 'tokenUrl must use https');
  return url.href;
}

function resolveRetry(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...retry };
  const maxAttempts = positive('retry.maxAttempts', policy.maxAttempts, 3, true);
  if (maxAttempts < 1 || maxAttempts > 10)
    throw new TokenError('CONFIG_INVALID', 'retry.maxAttempts must be 1-10');
  return {
    maxAttempts,
    baseDelayMs: positive('retry.baseDelayMs', policy.baseDelayMs, 250),
    maxDelayMs: positive('retry.maxDelayMs', policy.maxDelayMs, 4000),
  };
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  if (typeof options?.signer?.sign !== 'function') {
    throw new TokenError('CONFIG_INVALID', 'signer must be an assertion signer');
  }
  const url = resolveTokenUrl(options);
  const fetchImpl: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  if (typeof fetchImpl !== 'function')
    throw new TokenError('CONFIG_INVALID', 'No fetch implementation available');
  const refreshAheadMs = positive('refreshAheadSeconds', options.refreshAheadSeconds, 60) * 1000;
  const minValidityMs = positive('minValiditySeconds', options.minValiditySeconds, 10) * 1000;
  const fallbackLifetime = positive('fallbackLifetimeSeconds', options.fallbackLifetimeSeconds, 900);
  if (fallbackLifetime < 1)
    throw new TokenError('CONFIG_INVALID', 'fallbackLifetimeSeconds must be at least 1');
  const timeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 10_000);
  if (timeoutMs < 1) throw new TokenError('CONFIG_INVALID', 'requestTimeoutMs must be at least 1');
  const retry = resolveRetry(options.retry);
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;

  let cache: CacheEntry | undefined;
  let inflight: Promise<D1AccessToken> | undefined;

  async function attempt(): Promise<AttemptResult> {
    let assertion: string;
    try {
      assertion = await options.signer.sign();
    } catch (error) {
      if (error instanceof TokenError) throw error;
      throw new TokenError('ASSERTION_SIGN_FAILED', 'The JWT-bearer assertion could not be signed');
    }
    if (typeof assertion !== 'string' || assertion.length === 0) {
      throw new TokenError('ASSERTION_SIGN_FAILED', 'The signer returned no assertion');
    }
    let correlationId: string | undefined;
    try {
      correlationId = options.correlationId?.();
    } catch {
      throw new TokenError('CONFIG_INVALID', 'The correlationId callback failed');
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await requestToken(
        {
          url,
          assertion,
          fetch: fetchImpl,
          dispatcher: options.dispatcher,
          correlationId,
        },
        controller.signal,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchToken(): Promise<D1AccessToken> {
    for (let attemptNo = 1; ; attemptNo++) {
      const sentAt = now();
      const result = await attempt();
      if (result.ok) {
        const lifetimeMs = (result.token.expiresInSeconds ?? fallbackLifetime) * 1000;
        // Callers log these objects by accident (`log.info({ token })`); the token itself must not show.
        const token: D1AccessToken = Object.freeze(
          redacting(
            {
              accessToken: result.token.accessToken,
              tokenType: result.token.tokenType,
              expiresAt: sentAt + lifetimeMs,
              scope: result.token.scope,
            },
            ['accessToken'],
          ),
        );
        cache = {
          token,
          promise: Promise.resolve(token),
          refreshAt: token.expiresAt - Math.min(refreshAheadMs, lifetimeMs / 2),
          usableUntil: token.expiresAt - Math.min(minValidityMs, lifetimeMs / 4),
        };
        return token;
      }
      if (result.error.code === 'TOKEN_UNAUTHORIZED') cache = undefined;
      if (!result.retryable || attemptNo >= retry.maxAttempts) {
        throw new TokenError(result.error.code, result.error.message, {
          status: result.error.status,
          oauthError: result.error.oauthError,
          reason: result.error.reason,
          attempts: attemptNo,
        });
      }
      await sleep(backoffDelayMs(retry, attemptNo, random));
    }
  }

  function reportBackgroundError(error: TokenError): void {
    try {
      options.onBackgroundRefreshError?.(error);
    } catch {
      // A failing logger must not turn into an unhandled rejection.
    }
  }

  function refresh(): Promise<D1AccessToken> {
    if (inflight) return inflight;
    const running = fetchToken().finally(() => {
      if (inflight === running) inflight = undefined;
    });
    inflight = running;
    return running;
  }

  return Object.freeze({
    getToken(): Promise<D1AccessToken> {
      const entry = cache;
      if (entry !== undefined) {
        const at = now();
        if (at < entry.refreshAt) return entry.promise;
        if (at < entry.usableUntil) {
          if (!inflight) {
            refresh().catch((error: TokenError) => reportBackgroundError(error));
          }
          return entry.promise;
        }
      }
      return refresh();
    },
    invalidate(accessToken?: string): void {
      if (accessToken === undefined || cache?.token.accessToken === accessToken) cache = undefined;
    },
  });
}
