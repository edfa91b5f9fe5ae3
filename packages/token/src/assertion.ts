import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { D1_ENVIRONMENTS, type D1Environment, isD1Environment } from './environments.js';
import { TokenError } from './errors.js';
import { loadSigningKey, type SigningKeyInput } from './keys.js';

/** D1 refuses assertions whose `exp` is more than 15 minutes ahead (contract 10.2). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 900;
/** Short by default (contract gap 2): an assertion is used once, right after it is made. */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 300;

export interface AssertionSignerOptions {
  /** The issuerId Thales assigned (or the aggregatorId in the aggregator model); used as `iss` and `sub`. */
  readonly issuerId: string;
  /** The ES256 private key whose public half (and `kid`) was provisioned in D1. */
  readonly key: SigningKeyInput;
  /** Picks the default `aud` (the environment's API origin, see D1_ENVIRONMENTS). */
  readonly environment?: D1Environment;
  /** `aud` claim. Undefined: the environment's default (none without an environment). null: leave it out. */
  readonly audience?: string | null;
  /** Seconds from `iat` to `exp`, 1 to 900. Default 300. */
  readonly lifetimeSeconds?: number;
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number;
}

export interface AssertionSigner {
  readonly issuerId: string;
  readonly kid: string;
  readonly audience: string | undefined;
  /** A fresh compact JWS (new `jti`, `iat` now) each call. */
  sign(): Promise<string>;
}

const ISSUER_ID = /^[\x21-\x7E]{1,128}$/;

function resolveAudience(options: AssertionSignerOptions): string | undefined {
  if (options.environment !== undefined && !isD1Environment(options.environment)) {
    throw new TokenError('CONFIG_INVALID', 'environment must be production, staging or develop');
  }
  if (options.audience === null) return undefined;
  if (options.audience !== undefined) {
    if (typeof options.audience !== 'string' || options.audience.length === 0) {
      throw new TokenError('CONFIG_INVALID', 'audience must be a non-empty string or null');
    }
    return options.audience;
  }
  return options.environment ? D1_ENVIRONMENTS[options.environment].defaultAudience : undefined;
}

export function createAssertionSigner(options: AssertionSignerOptions): AssertionSigner {
  if (typeof options?.issuerId !== 'string' || !ISSUER_ID.test(options.issuerId)) {
    throw new TokenError('CONFIG_INVALID', 'issuerId must be 1-128 visible ASCII characters');
  }
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new TokenError(
      'CONFIG_INVALID',
      `lifetimeSeconds must be an integer from 1 to ${MAX_ASSERTION_LIFETIME_SECONDS}`,
    );
  }
  const key = loadSigningKey(options.key);
  const audience = resolveAudience(options);
  const now = options.now ?? (() => Date.now());
  const { issuerId } = options;

  return Object.freeze({
    issuerId,
    kid: key.kid,
    audience,
    async sign(): Promise<string> {
      const issuedAt = Math.floor(now() / 1000);
      const jwt = new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
        .setIssuer(issuerId)
        .setSubject(issuerId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + lifetime)
        .setJti(randomUUID());
      if (audience !== undefined) jwt.setAudience(audience);
      try {
        return await jwt.sign(key.privateKey);
      } catch {
        throw new TokenError('ASSERTION_SIGN_FAILED', 'The JWT-bearer assertion could not be signed');
      }
    },
  });
}
