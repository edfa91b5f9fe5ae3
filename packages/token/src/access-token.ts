import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './keys.js';

/** Explicit JWT type (RFC 9068, RFC 8725 §3.11) so no other JWT signed with the same key passes as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  /** Space-separated granted scopes; left out of the token when empty. */
  readonly scope: string;
  readonly lifetimeSeconds: number;
  /** Epoch milliseconds. */
  readonly now: number;
}

export interface IssuedAccessToken {
  readonly token: string;
  /** Epoch seconds, as in the JWT. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Signs an outbound access token (the one D1 then sends to the issuer's APIs as a bearer). */
export async function issueAccessToken(
  key: SigningKey,
  claims: AccessTokenClaims,
): Promise<IssuedAccessToken> {
  const issuedAt = Math.floor(claims.now / 1000);
  const expiresAt = issuedAt + claims.lifetimeSeconds;
  const payload: Record<string, string> = { client_id: claims.clientId };
  if (claims.scope !== '') payload.scope = claims.scope;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.clientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, issuedAt, expiresAt };
}
