/** The D1 JWE profile (contract 10.4): compact serialisation, direct ECDH-ES key agreement, AES-256-GCM, P-256. */
export const D1_JWE_PROFILE = {
  alg: 'ECDH-ES',
  enc: 'A256GCM',
  crv: 'P-256',
  /** D1's outbound schemas cap `encryptedData` at 8,192 characters; longer strings are refused unread. */
  maxCompactLength: 8192,
} as const;

/** Protected-header members a D1 JWE may carry. Anything else (zip, crit, jku, jwk, x5u, p2c ...) is refused. */
export const ALLOWED_HEADER_MEMBERS: ReadonlySet<string> = new Set([
  'alg',
  'enc',
  'kid',
  'epk',
  'apu',
  'apv',
  'typ',
  'cty',
]);

/** Members of the ephemeral public key; private parts or extra members mean a malformed or hostile sender. */
export const EPK_MEMBERS: ReadonlySet<string> = new Set(['kty', 'crv', 'x', 'y']);

export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const MAX_KID_LENGTH = 256;
