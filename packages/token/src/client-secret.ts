import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { TokenError } from './errors.js';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** N = 2^15, r = 8, p = 1: 32 MiB and tens of milliseconds per check; D1 asks for a token every ~15 min. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ logN: 15, r: 8, p: 1 });

/** A parsed `$scrypt$ln=..,r=..,p=..$salt$hash` string (PHC string format, unpadded base64). */
export interface ClientSecretHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22,88})\$([A-Za-z0-9+/]{43,88})$/;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAX_SECRET_LENGTH = 1024;

function invalidHash(why: string): TokenError {
  return new TokenError('SECRET_HASH_INVALID', `Client secret hash ${why}`);
}

function assertParams(params: ScryptParams): void {
  const { logN, r, p } = params;
  // Bounds keep a typo in configuration from asking for gigabytes of memory per request.
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) throw invalidHash('needs ln between 10 and 20');
  if (!Number.isInteger(r) || r < 1 || r > 32) throw invalidHash('needs r between 1 and 32');
  if (!Number.isInteger(p) || p < 1 || p > 16) throw invalidHash('needs p between 1 and 16');
}

function derive(secret: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

export function parseClientSecretHash(encoded: string): ClientSecretHash {
  const match = typeof encoded === 'string' ? PHC.exec(encoded) : null;
  if (!match) throw invalidHash('is not a $scrypt$ln=..,r=..,p=..$salt$hash string');
  const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  assertParams(params);
  return Object.freeze({
    params: Object.freeze(params),
    salt: Buffer.from(match[4] as string, 'base64'),
    hash: Buffer.from(match[5] as string, 'base64'),
  });
}

/** Hashes a client secret for configuration, so the token endpoint never stores the plaintext. */
export async function hashClientSecret(
  secret: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw new TokenError('CONFIG_INVALID', `A client secret must be 1-${MAX_SECRET_LENGTH} characters`);
  }
  assertParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, params, HASH_BYTES);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** Checks a presented secret against a stored hash in constant time (for equal-length hashes). */
export async function verifyClientSecret(
  secret: string,
  stored: string | ClientSecretHash,
): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parseClientSecretHash(stored) : stored;
  // Over-long input still costs a full derivation, so its rejection takes as long as any other.
  const usable = typeof secret === 'string' && secret.length <= MAX_SECRET_LENGTH;
  const derived = await derive(usable ? secret : '', parsed.salt, parsed.params, parsed.hash.length);
  return timingSafeEqual(derived, parsed.hash) && usable;
}

/** A new random client secret (256 bits, base64url): give it to D1 once, store only its hash. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}
