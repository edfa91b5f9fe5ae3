// Inbound: the issuer gets a D1 token with an ES256 JWT-bearer assertion (RFC 7523).

// Outbound: D1 gets a token from the issuer's endpoint with Basic client credentials, then sends it as a bearer.
export { ACCESS_TOKEN_TYP } from './access-token.js';
export {
  type AssertionSigner,
  type AssertionSignerOptions,
  createAssertionSigner,
  DEFAULT_ASSERTION_LIFETIME_SECONDS,
  MAX_ASSERTION_LIFETIME_SECONDS,
} from './assertion.js';
export { type BasicAuthFailure, type BasicCredentials, parseBasicAuthorization } from './basic-auth.js';
export {
  type BearerAuthOptions,
  type BearerAuthResult,
  type BearerMode,
  bearerAuth,
  extractBearerToken,
  getBearerAuth,
} from './bearer-middleware.js';
export {
  type BearerVerifier,
  type BearerVerifierOptions,
  createBearerVerifier,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type VerifiedBearer,
} from './bearer-verifier.js';
export {
  type ClientSecretHash,
  DEFAULT_SCRYPT_PARAMS,
  generateClientSecret,
  hashClientSecret,
  parseClientSecretHash,
  type ScryptParams,
  verifyClientSecret,
} from './client-secret.js';
export type { TokenClientConfig } from './clients.js';
export {
  D1_ENVIRONMENTS,
  D1_TOKEN_PATH,
  type D1Environment,
  type D1EnvironmentInfo,
} from './environments.js';
export { TokenError, type TokenErrorCode, type TokenErrorDetails } from './errors.js';
// Keys and errors, shared by both directions.
export { DEFAULT_RETAIN_SECONDS, KeyRing, type KeyRingOptions } from './key-ring.js';
export {
  type KeyInput,
  type KeyResolver,
  loadSigningKey,
  loadVerificationKey,
  type SigningKey,
  type SigningKeyInput,
  type VerificationKey,
  type VerificationKeyInput,
} from './keys.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export type { ThrottleOptions } from './throttle.js';
export {
  createTokenEndpoint,
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
  type OAuthErrorCode,
  type SecretCheckLimits,
  TOKEN_ENDPOINT_PATH,
  type TokenEndpointEvent,
  type TokenEndpointOptions,
} from './token-endpoint.js';
export {
  createTokenProvider,
  type D1AccessToken,
  type TokenProvider,
  type TokenProviderOptions,
} from './token-provider.js';
export { type FetchLike, type FetchLikeResponse, JWT_BEARER_GRANT } from './token-request.js';
export { type InboundTokenResponse, parseInboundTokenResponse } from './token-response.js';
