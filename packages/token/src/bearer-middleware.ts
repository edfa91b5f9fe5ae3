import type { Request, RequestHandler, Response } from 'express';
import type { BearerVerifier, VerifiedBearer } from './bearer-verifier.js';
import { TokenError } from './errors.js';
import { hasRepeatedAuthorization } from './headers.js';
import { isScopeToken } from './scope.js';

/**
 * Whether D1 sends a bearer token is a per-tenant choice made at onboarding (contract gap 25), so the
 * mode has no default: `off` (mTLS only) must be written down in configuration to take effect.
 */
export type BearerMode = 'required' | 'optional' | 'off';

export type BearerAuthOptions =
  | { readonly mode: 'off'; readonly scope?: string | readonly string[] }
  | {
      readonly mode: 'required' | 'optional';
      readonly verifier: BearerVerifier;
      /** Scope(s) this route needs; all must be granted. */
      readonly scope?: string | readonly string[];
      readonly realm?: string;
      /** Called with the typed reason of every refusal (for logs); gets no headers, so no token. */
      readonly onFailure?: (
        error: TokenError,
        request: { readonly method: string; readonly path: string },
      ) => void;
    };

export type BearerAuthResult =
  | { readonly mode: BearerMode; readonly authenticated: false }
  | ({ readonly mode: BearerMode; readonly authenticated: true } & VerifiedBearer);

const LOCALS_KEY = 'd1kitBearer';
/** RFC 6750 b64token, after `Bearer ` (or the `Bearer: ` some senders write). */
const BEARER = /^bearer:? +([A-Za-z0-9._~+/-]+=*) *$/i;

/** What the bearer middleware established for this request (undefined if it did not run). */
export function getBearerAuth(res: Response): BearerAuthResult | undefined {
  return res.locals[LOCALS_KEY] as BearerAuthResult | undefined;
}

/** Extracts the token; undefined when there is no Authorization header, null when it is not a bearer. */
export function extractBearerToken(header: unknown): string | undefined | null {
  if (header === undefined || (typeof header === 'string' && header.trim() === '')) return undefined;
  if (typeof header !== 'string' || header.length > 10_000) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

function scopesOf(scope: string | readonly string[] | undefined): string[] {
  const scopes = scope === undefined ? [] : typeof scope === 'string' ? [scope] : [...scope];
  if (!scopes.every(isScopeToken))
    throw new TokenError('CONFIG_INVALID', 'scope must be RFC 6749 scope tokens');
  return scopes;
}

/**
 * Express middleware for the outbound API: verifies D1's bearer token (or, in `off` mode, relies on
 * mTLS alone) and records the result for `getBearerAuth(res)`. Failures answer in D1's error shape.
 */
export function bearerAuth(options: BearerAuthOptions): RequestHandler {
  const mode = options?.mode;
  if (mode !== 'required' && mode !== 'optional' && mode !== 'off') {
    throw new TokenError('CONFIG_INVALID', 'bearer mode must be set explicitly to required, optional or off');
  }
  const required = scopesOf(options.scope);
  if (options.mode === 'off') {
    const result: BearerAuthResult = Object.freeze({ mode, authenticated: false });
    return (_req, res, next) => {
      res.locals[LOCALS_KEY] = result;
      next();
    };
  }
  const { verifier, onFailure } = options;
  if (typeof verifier?.verify !== 'function') {
    throw new TokenError('CONFIG_INVALID', 'verifier must come from createBearerVerifier');
  }
  const realm = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(options.realm ?? '') ? options.realm : 'd1kit';
  const anonymous: BearerAuthResult = Object.freeze({ mode, authenticated: false });

  function refuse(req: Request, res: Response, error: TokenError): void {
    try {
      onFailure?.(error, { method: req.method, path: req.path });
    } catch {
      // Logging must not break the request.
    }
    if (error.code === 'BEARER_INSUFFICIENT_SCOPE') {
      res
        .status(403)
        .set(
          'www-authenticate',
          `Bearer realm="${realm}", error="insufficient_scope", scope="${required.join(' ')}"`,
        );
      res.json({ error: 'insufficient_scope', message: 'The access token lacks a required scope' });
      return;
    }
    // RFC 6750 §3.1: no error code when the request carried no credentials at all.
    const challenge = error.code === 'BEARER_MISSING' ? '' : ', error="invalid_token"';
    res.status(401).set('www-authenticate', `Bearer realm="${realm}"${challenge}`);
    const message =
      error.code === 'BEARER_MISSING' ? 'An access token is required' : 'The access token is invalid';
    res.json({ error: 'invalid_token', message });
  }

  return async (req, res, next) => {
    if (hasRepeatedAuthorization(req)) {
      return refuse(
        req,
        res,
        new TokenError('BEARER_MALFORMED', 'More than one Authorization header was sent'),
      );
    }
    const token = extractBearerToken(req.headers.authorization);
    if (token === undefined) {
      if (mode === 'optional') {
        res.locals[LOCALS_KEY] = anonymous;
        return next();
      }
      return refuse(req, res, new TokenError('BEARER_MISSING', 'No access token was sent'));
    }
    if (token === null) {
      return refuse(
        req,
        res,
        new TokenError('BEARER_MALFORMED', 'The Authorization header is not a bearer token'),
      );
    }
    let verified: VerifiedBearer;
    try {
      verified = await verifier.verify(token);
    } catch (error) {
      const typed =
        error instanceof TokenError ? error : new TokenError('BEARER_INVALID', 'The access token is invalid');
      return refuse(req, res, typed);
    }
    if (!required.every((scope) => verified.scopes.has(scope))) {
      return refuse(
        req,
        res,
        new TokenError('BEARER_INSUFFICIENT_SCOPE', 'The access token lacks a required scope'),
      );
    }
    res.locals[LOCALS_KEY] = Object.freeze({ mode, authenticated: true, ...verified });
    next();
  };
}
