import type { KeyObject } from 'node:crypto';
import { type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import { ACCESS_TOKEN_TYP } from './access-token.js';
import { TokenError } from './errors.js';
import { isKid, type KeyResolver } from './keys.js';
import { parseScope } from './scope.js';

export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

export interface BearerVerifierOptions {
  /** Public keys by `kid` (a KeyRing, or your own resolver). */
  readonly keys: KeyResolver;
  /** Accepted `iss` value(s). */
  readonly issuer: string | readonly string[];
  /** Accepted `aud` value(s); the token must name at least one. */
  readonly audience: string | readonly string[];
  /** When set, `sub` must be one of these client ids (tokens issued to other clients are refused). */
  readonly clientIds?: readonly string[];
  /** Allowed clock difference for `exp`, `nbf` and `iat`, 0 to 300 s. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this, whatever their `exp`. Default 3600. */
  readonly maxTokenAgeSeconds?: number;
  /** Required `typ` header. Default `at+jwt` (what the token endpoint issues); null skips the check. */
  readonly typ?: string | null;
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number;
}

export interface VerifiedBearer {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  readonly kid: string;
  readonly claims: Readonly<JWTPayload>;
}

export interface BearerVerifier {
  /** Resolves with the verified token's facts; rejects with TokenError `BEARER_INVALID` and a `reason`. */
  verify(token: string): Promise<VerifiedBearer>;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;

function invalid(reason: string): TokenError {
  return new TokenError('BEARER_INVALID', 'The access token is invalid', { reason });
}

/** Maps jose's failure to a short reason for logs; the token itself and its claims are dropped. */
function reasonOf(error: unknown): string {
  if (error instanceof TokenError) return error.reason ?? 'invalid';
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return claim === 'iat' ? 'iat' : 'exp';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return typeof claim === 'string' && /^[a-z_]{1,16}$/.test(claim) ? claim : 'claims';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg';
    default:
      return 'malformed';
  }
}

function list(name: string, value: string | readonly string[] | undefined): string[] {
  const values = typeof value === 'string' ? [value] : [...(value ?? [])];
  if (values.length === 0 || !values.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new TokenError('CONFIG_INVALID', `${name} must be a non-empty string or list of strings`);
  }
  return values;
}

export function createBearerVerifier(options: BearerVerifierOptions): BearerVerifier {
  if (typeof options?.keys?.resolve !== 'function') {
    throw new TokenError('CONFIG_INVALID', 'keys must resolve a kid to a public key');
  }
  const issuer = list('issuer', options.issuer);
  const audience = list('audience', options.audience);
  const clientIds =
    options.clientIds === undefined ? undefined : new Set(list('clientIds', options.clientIds));
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new TokenError('CONFIG_INVALID', `clockToleranceSeconds must be 0-${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  const maxAge = options.maxTokenAgeSeconds ?? 3600;
  if (!Number.isFinite(maxAge) || maxAge <= 0) {
    throw new TokenError('CONFIG_INVALID', 'maxTokenAgeSeconds must be positive');
  }
  const typ = options.typ === undefined ? ACCESS_TOKEN_TYP : options.typ;
  const baseOptions: JWTVerifyOptions = {
    algorithms: ['ES256'],
    issuer,
    audience,
    clockTolerance: tolerance,
    maxTokenAge: maxAge,
    requiredClaims: ['exp', 'iat', 'sub'],
    ...(typ === null ? {} : { typ }),
  };
  const { keys, now } = options;

  return Object.freeze({
    async verify(token: string): Promise<VerifiedBearer> {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        throw invalid('malformed');
      }
      let kid = '';
      const verifyOptions = now ? { ...baseOptions, currentDate: new Date(now()) } : baseOptions;
      let payload: JWTPayload;
      try {
        // jose checks `alg` against the allow-list before it asks for the key.
        const result = await jwtVerify(
          token,
          (header): KeyObject => {
            // A kid no key could have is refused here, before it reaches a (possibly custom) resolver.
            const key = isKid(header.kid) ? keys.resolve(header.kid) : undefined;
            if (!key) throw invalid('kid');
            kid = header.kid as string;
            return key;
          },
          verifyOptions,
        );
        payload = result.payload;
      } catch (error) {
        throw invalid(reasonOf(error));
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid('sub');
      if (clientIds && !clientIds.has(payload.sub)) throw invalid('sub');
      const scope = payload.scope;
      const scopes = scope === undefined ? [] : typeof scope === 'string' ? parseScope(scope) : undefined;
      if (!scopes) throw invalid('scope');
      return Object.freeze({
        clientId: payload.sub,
        scopes: new Set(scopes),
        kid,
        claims: Object.freeze(payload),
      });
    },
  });
}
