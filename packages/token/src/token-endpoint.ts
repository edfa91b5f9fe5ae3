import type { Request, RequestHandler, Response } from 'express';
import { issueAccessToken } from './access-token.js';
import { parseBasicAuthorization } from './basic-auth.js';
import { boundedCallerKey, defaultCallerKey } from './caller.js';
import { CLIENT_ID, ClientRegistry, type RegisteredClient, type TokenClientConfig } from './clients.js';
import { TokenError } from './errors.js';
import { type FormParams, readFormBody } from './form-body.js';
import { hasRepeatedAuthorization } from './headers.js';
import type { KeyRing } from './key-ring.js';
import { parseScope } from './scope.js';
import { FailureThrottle, type ThrottleOptions } from './throttle.js';
import { WorkLimiter } from './work-limiter.js';

/** Where D1 expects the issuer's token endpoint (OUT-v1-Auth2). */
export const TOKEN_ENDPOINT_PATH = '/authz/d1/v1/oauth2/token';
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 900;
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable';

/** Bounds on the scrypt work a flood of token requests can cause. */
export interface SecretCheckLimits {
  /** Requests whose secret is checked at the same time. Default 2 (libuv's pool has 4 threads, shared). */
  readonly concurrency?: number;
  /** Requests that may wait for a check; beyond it the answer is 503 with `Retry-After: 1`. Default 32. */
  readonly maxQueued?: number;
}

/** One line for an audit log: who asked and what happened. Never contains a secret or a token. */
export type TokenEndpointEvent =
  | { readonly type: 'issued'; readonly clientId: string; readonly scope: string }
  | { readonly type: 'refused'; readonly status: number; readonly error: string; readonly clientId?: string };

export interface TokenEndpointOptions {
  readonly clients: readonly TokenClientConfig[];
  /** Signs with the current key; rotate it there. */
  readonly keys: KeyRing;
  /** `iss` of issued tokens (e.g. `https://issuer.example/authz/d1/v1`). */
  readonly issuer: string;
  /** `aud` of issued tokens: the outbound API that will verify them. */
  readonly audience: string;
  /** Default 900 (15 minutes), at most 3600. */
  readonly tokenLifetimeSeconds?: number;
  readonly throttle?: ThrottleOptions;
  /**
   * Who is calling, for throttling (failures count per client id and caller). Default: the SHA-256
   * fingerprint of the verified TLS client certificate, else the peer address. Behind a TLS-terminating
   * proxy, return the identity the proxy verified (all callers share the proxy's address otherwise).
   */
  readonly callerKey?: (req: Request) => string | undefined;
  readonly secretChecks?: SecretCheckLimits;
  /** Also accept `client_id` + `client_secret` in the body when no Authorization header is sent. Default false. */
  readonly allowBodyCredentials?: boolean;
  readonly realm?: string;
  readonly onEvent?: (event: TokenEndpointEvent) => void;
  /** A fault on the server side (e.g. signing failed); the client only sees `server_error`. */
  readonly onInternalError?: (error: unknown) => void;
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number;
}

const DESCRIPTIONS: Record<string, string> = {
  content_type: 'Content-Type must be application/x-www-form-urlencoded',
  encoding: 'The body must be UTF-8 and not compressed',
  too_large: 'The request body is too large',
  unreadable: 'The request body could not be read',
  shape: 'The request body is malformed',
  repeated: 'A parameter was sent more than once',
  two_methods: 'Use only one client authentication method',
  header_repeated: 'Send one Authorization header',
  grant_missing: 'grant_type is required',
  grant_unsupported: 'Only grant_type=client_credentials is supported',
  scope_malformed: 'scope is malformed',
  scope_denied: 'The requested scope is not allowed for this client',
  client: 'Client authentication failed',
  throttled: 'Too many failed authentications; retry later',
  busy: 'The token endpoint is busy; retry later',
  method: 'The token endpoint accepts POST only',
};

function single(params: FormParams, name: string): string | undefined {
  const value = params.get(name)?.[0];
  return value === '' ? undefined : value; // RFC 6749 §3.2: an empty parameter counts as omitted
}

function visibleText(value: string, fallback: string): string {
  return /^[\x20-\x7E]{1,64}$/.test(value) && !value.includes('"') && !value.includes('\\')
    ? value
    : fallback;
}

function secretCheckLimiter(limits: SecretCheckLimits = {}): WorkLimiter {
  const concurrency = limits.concurrency ?? 2;
  const maxQueued = limits.maxQueued ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new TokenError('CONFIG_INVALID', 'secretChecks.concurrency must be an integer from 1 to 64');
  }
  if (!Number.isInteger(maxQueued) || maxQueued < 0 || maxQueued > 10_000) {
    throw new TokenError('CONFIG_INVALID', 'secretChecks.maxQueued must be an integer from 0 to 10000');
  }
  return new WorkLimiter(concurrency, maxQueued);
}

/** Validates the options and returns the Express handler for `POST /authz/d1/v1/oauth2/token`. */
export function createTokenEndpoint(options: TokenEndpointOptions): RequestHandler {
  const registry = new ClientRegistry(options.clients);
  const lifetime = options.tokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > MAX_ACCESS_TOKEN_LIFETIME_SECONDS) {
    throw new TokenError(
      'CONFIG_INVALID',
      `tokenLifetimeSeconds must be an integer from 60 to ${MAX_ACCESS_TOKEN_LIFETIME_SECONDS}`,
    );
  }
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new TokenError('CONFIG_INVALID', `${name} must be a non-empty string`);
    }
  }
  if (typeof options.keys?.resolve !== 'function')
    throw new TokenError('CONFIG_INVALID', 'keys must be a KeyRing');
  const now = options.now ?? (() => Date.now());
  const throttle = new FailureThrottle(options.throttle, now);
  if (options.callerKey !== undefined && typeof options.callerKey !== 'function') {
    throw new TokenError('CONFIG_INVALID', 'callerKey must be a function of the request');
  }
  const limiter = secretCheckLimiter(options.secretChecks);
  const realm = visibleText(options.realm ?? 'd1kit', 'd1kit');

  function emit(event: TokenEndpointEvent): void {
    try {
      options.onEvent?.(event);
    } catch {
      // Logging must not break the endpoint.
    }
  }

  function fail(
    res: Response,
    status: number,
    error: OAuthErrorCode,
    reason: string,
    clientId?: string,
  ): void {
    res.status(status).set({ 'cache-control': 'no-store', pragma: 'no-cache' });
    if (status === 401) res.set('www-authenticate', `Basic realm="${realm}"`);
    if (status === 503) res.set('retry-after', '1');
    if (reason === 'too_large') res.set('connection', 'close');
    res.json({ error, error_description: DESCRIPTIONS[reason] });
    emit({ type: 'refused', status, error, ...(clientId ? { clientId } : {}) });
  }

  type Credentials =
    | { clientId: string; secret: string }
    | { failure: 'two_methods' | 'header_repeated' | 'invalid_client' };

  function credentialsOf(req: Request, params: FormParams): Credentials {
    if (hasRepeatedAuthorization(req)) return { failure: 'header_repeated' };
    const header = req.headers.authorization;
    const bodyId = single(params, 'client_id');
    const bodySecret = single(params, 'client_secret');
    if (header !== undefined) {
      const basic = parseBasicAuthorization(header);
      if (!basic.ok) return { failure: 'invalid_client' };
      // RFC 6749 §2.3: one authentication method per request; a body client_id must name the same client.
      if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
        return { failure: 'two_methods' };
      }
      return { clientId: basic.clientId, secret: basic.clientSecret };
    }
    if (options.allowBodyCredentials && bodyId !== undefined && bodySecret !== undefined) {
      return { clientId: bodyId, secret: bodySecret };
    }
    return { failure: 'invalid_client' };
  }

  function throttleKeyOf(req: Request, clientId: string): string {
    let caller: string;
    try {
      caller = options.callerKey ? boundedCallerKey(options.callerKey(req)) : defaultCallerKey(req);
    } catch {
      caller = ''; // a failing hook falls back to throttling by client id alone
    }
    return `${clientId} ${caller}`; // client ids have no spaces
  }

  async function authenticate(
    req: Request,
    res: Response,
    clientId: string,
    secret: string,
  ): Promise<RegisteredClient | undefined> {
    // Ids that cannot be configured are refused by syntax alone, which reveals nothing about real ids.
    if (!CLIENT_ID.test(clientId) || secret.length > 1024) {
      fail(res, 401, 'invalid_client', 'client');
      return undefined;
    }
    // Keyed on the caller too: failures from elsewhere must not lock the real client out.
    const throttleKey = throttleKeyOf(req, clientId);
    const waitMs = throttle.retryAfterMs(throttleKey);
    if (waitMs > 0) {
      res.set('retry-after', String(Math.ceil(waitMs / 1000)));
      res.status(429).set({ 'cache-control': 'no-store', pragma: 'no-cache' });
      res.json({ error: 'invalid_client', error_description: DESCRIPTIONS.throttled });
      emit({ type: 'refused', status: 429, error: 'throttled', clientId });
      return undefined;
    }
    const checking = limiter.tryRun(() => registry.authenticate(clientId, secret));
    if (!checking) {
      fail(res, 503, 'temporarily_unavailable', 'busy', clientId);
      return undefined;
    }
    // Counted as a failure before the (slow) check, so parallel guesses cannot all slip past the limit.
    throttle.recordFailure(throttleKey);
    const client = await checking;
    if (!client) {
      fail(res, 401, 'invalid_client', 'client', clientId);
      return undefined;
    }
    throttle.recordSuccess(throttleKey);
    return client;
  }

  async function handle(req: Request, res: Response): Promise<void> {
    if (req.method !== 'POST') {
      res.set('allow', 'POST');
      return fail(res, 405, 'invalid_request', 'method');
    }
    const form = await readFormBody(req);
    if (!form.ok) return fail(res, 400, 'invalid_request', form.reason);
    if ([...form.params.values()].some((values) => values.length > 1)) {
      return fail(res, 400, 'invalid_request', 'repeated');
    }
    const credentials = credentialsOf(req, form.params);
    if ('failure' in credentials) {
      return credentials.failure === 'invalid_client'
        ? fail(res, 401, 'invalid_client', 'client')
        : fail(res, 400, 'invalid_request', credentials.failure);
    }
    const client = await authenticate(req, res, credentials.clientId, credentials.secret);
    if (!client) return;

    const grantType = single(form.params, 'grant_type');
    if (grantType === undefined) return fail(res, 400, 'invalid_request', 'grant_missing', client.clientId);
    if (grantType !== 'client_credentials') {
      return fail(res, 400, 'unsupported_grant_type', 'grant_unsupported', client.clientId);
    }
    const requested = single(form.params, 'scope');
    const scopes = requested === undefined ? [...client.scopes] : parseScope(requested);
    if (!scopes) return fail(res, 400, 'invalid_scope', 'scope_malformed', client.clientId);
    if (!scopes.every((scope) => client.scopes.has(scope))) {
      return fail(res, 400, 'invalid_scope', 'scope_denied', client.clientId);
    }
    const scope = scopes.join(' ');
    const issued = await issueAccessToken(options.keys.signingKey, {
      issuer: options.issuer,
      audience: options.audience,
      clientId: client.clientId,
      scope,
      lifetimeSeconds: lifetime,
      now: now(),
    });
    res.status(200).set({ 'cache-control': 'no-store', pragma: 'no-cache' });
    res.json({
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: String(issued.expiresAt - issued.issuedAt),
      expires_at: new Date(issued.expiresAt * 1000).toISOString(),
      ...(scope !== '' ? { scope } : {}),
    });
    emit({ type: 'issued', clientId: client.clientId, scope });
  }

  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (error) {
      // Only a fault on our side gets here (bad input has its own answers); say nothing about it.
      try {
        options.onInternalError?.(error);
      } catch {
        // Logging must not break the endpoint.
      }
      if (!res.headersSent) {
        res.status(500).set('cache-control', 'no-store').json({ error: 'server_error' });
      }
      emit({ type: 'refused', status: 500, error: 'server_error' });
    }
  };
}
