import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';

/** The issuer's assertion key as D1 holds it after onboarding: public half plus kid. */
export interface ProvisionedAssertionKey {
  readonly kid: string;
  /** PEM, JWK object or KeyObject of the ES256 public key. */
  readonly publicKey: string | KeyObject | Record<string, unknown>;
}

export interface TokenAuthorityOptions {
  readonly issuerId: string;
  readonly assertionKey: ProvisionedAssertionKey;
  /** When set, assertions must carry this `aud`. */
  readonly audience?: string;
  /** Lifetime of issued access tokens, seconds. Default 900 (D1's). */
  readonly tokenLifetimeSeconds?: number;
  readonly now?: () => number;
}

export type TokenOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly body: Record<string, unknown> };

/** D1 refuses assertions that live longer than 15 minutes (contract 10.2); a little clock skew is allowed. */
const MAX_ASSERTION_SECONDS = 900;
const CLOCK_TOLERANCE_SECONDS = 30;

function toKeyObject(input: ProvisionedAssertionKey['publicKey']): KeyObject {
  if (typeof input === 'string') return createPublicKey(input);
  if ((input as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'KeyObject')
    return input as KeyObject;
  return createPublicKey({ key: input as never, format: 'jwk' });
}

/**
 * The token side of the simulator: verifies the issuer's ES256 JWT-bearer assertion as D1 does (kid,
 * alg, iss = sub = issuerId, exp within 15 minutes, jti not replayed) and issues signed access tokens
 * that the banking endpoints verify again.
 */
export class TokenAuthority {
  readonly #assertionKey: KeyObject;
  readonly #signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly #usedJti = new Map<string, number>();
  /** jti of every access token still honoured; revokeAll empties it. */
  readonly #live = new Set<string>();
  #issued = 0;

  constructor(private readonly options: TokenAuthorityOptions) {
    this.#assertionKey = toKeyObject(options.assertionKey.publicKey);
  }

  get issuedCount(): number {
    return this.#issued;
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async grant(assertion: unknown): Promise<TokenOutcome> {
    const refuse = (message: string): TokenOutcome => ({
      ok: false,
      status: 401,
      body: { error: 'invalid_grant', message },
    });
    if (typeof assertion !== 'string') return refuse('assertion missing');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      return refuse('assertion is not a JWS');
    }
    if (header.alg !== 'ES256') return refuse('assertion alg must be ES256');
    if (header.kid !== this.options.assertionKey.kid) return refuse('unknown kid');
    const nowSeconds = Math.floor(this.#now() / 1000);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, this.#assertionKey, {
        algorithms: ['ES256'],
        issuer: this.options.issuerId,
        subject: this.options.issuerId,
        ...(this.options.audience ? { audience: this.options.audience } : {}),
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(nowSeconds * 1000),
      }));
    } catch (error) {
      return refuse(error instanceof errors.JWTExpired ? 'assertion expired' : 'assertion rejected');
    }
    const exp = payload.exp as number;
    if (exp > nowSeconds + MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS)
      return refuse('assertion lives too long');
    const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
    if (jti) {
      for (const [seen, until] of this.#usedJti) if (until < nowSeconds) this.#usedJti.delete(seen);
      if (this.#usedJti.has(jti)) return refuse('assertion replayed');
      this.#usedJti.set(jti, exp);
    }
    const lifetime = this.options.tokenLifetimeSeconds ?? 900;
    const tokenId = randomUUID();
    const accessToken = await new SignJWT({ scope: 'd1-api:account:full d1-api:consumer:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer('d1kit-simulator')
      .setSubject(this.options.issuerId)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + lifetime)
      .setJti(tokenId)
      .sign(this.#signingKey.privateKey);
    this.#live.add(tokenId);
    this.#issued++;
    return {
      ok: true,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: lifetime,
        scope: 'd1-api:account:full d1-api:consumer:read',
      },
    };
  }

  /** True for a current access token of this authority (right key, not expired, not revoked). */
  async verifyBearer(authorization: string | undefined): Promise<boolean> {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
    if (!match) return false;
    try {
      const { payload } = await jwtVerify(match[1]!, this.#signingKey.publicKey, {
        algorithms: ['ES256'],
        issuer: 'd1kit-simulator',
        subject: this.options.issuerId,
        currentDate: new Date(this.#now()),
      });
      return typeof payload.jti === 'string' && this.#live.has(payload.jti);
    } catch {
      return false;
    }
  }

  /** Every token issued so far stops working (as if D1 rotated its keys). */
  revokeAll(): void {
    this.#live.clear();
  }
}
