import { createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { calculateJwkThumbprint } from 'jose';
import { decodeBase64urlStrict } from './base64url.js';
import { JweError } from './errors.js';
import { isP256Point } from './p256.js';
import { D1_JWE_PROFILE, MAX_KID_LENGTH } from './profile.js';

/** A P-256 public key of the D1 profile as a JWK, always with its `kid`. */
export type EcPublicJwk = {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly use: 'enc';
  readonly alg: 'ECDH-ES';
};

/** The private counterpart; `d` is the secret scalar. Never log it. */
export type EcPrivateJwk = EcPublicJwk & {
  readonly d: string;
};

/** Key material as accepted everywhere: a JWK object, a PEM string (SPKI, PKCS#8, SEC1 or a certificate) or a KeyObject. */
export type KeyInput = Readonly<Record<string, unknown>> | string | KeyObject;

export interface KeyOptions {
  /** The key id to use. Defaults to the JWK's own `kid`, else the RFC 7638 SHA-256 thumbprint. */
  readonly kid?: string;
}

const invalid = (message: string) => new JweError('KEY_INVALID', message);

interface RawJwk {
  x: string;
  y: string;
  d?: string;
  kid?: string;
}

function fromKeyObject(key: KeyObject): RawJwk {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw invalid(`key is not an EC key on ${D1_JWE_PROFILE.crv}`);
  }
  const jwk = key.export({ format: 'jwk' });
  return { x: String(jwk.x), y: String(jwk.y), ...(jwk.d === undefined ? {} : { d: String(jwk.d) }) };
}

function fromPem(pem: string): RawJwk {
  if (!pem.includes('-----BEGIN ')) throw invalid('key text is neither a JWK nor PEM');
  // A PEM private key also yields a public key, so try the private form first to learn which it is.
  let key: KeyObject;
  if (/-----BEGIN (EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw invalid('PEM private key could not be read (encrypted PEM keys are not supported)');
    }
  } else {
    try {
      key = createPublicKey({ key: pem, format: 'pem' });
    } catch {
      throw invalid('PEM public key or certificate could not be read');
    }
  }
  return fromKeyObject(key);
}

function fromJwkObject(jwk: Readonly<Record<string, unknown>>): RawJwk {
  if (jwk.kty !== 'EC') throw invalid('JWK must be an EC key (kty "EC")');
  if (jwk.crv !== D1_JWE_PROFILE.crv) throw invalid(`JWK must be on curve ${D1_JWE_PROFILE.crv}`);
  if (jwk.use !== undefined && jwk.use !== 'enc') throw invalid('JWK "use" must be "enc" when present');
  if (jwk.alg !== undefined && jwk.alg !== D1_JWE_PROFILE.alg) {
    throw invalid(`JWK "alg" must be ${D1_JWE_PROFILE.alg} when present`);
  }
  const { x, y, d, kid } = jwk;
  if (typeof x !== 'string' || typeof y !== 'string') throw invalid('JWK must have string "x" and "y"');
  if (d !== undefined && typeof d !== 'string') throw invalid('JWK "d" must be a string');
  if (kid !== undefined && typeof kid !== 'string') throw invalid('JWK "kid" must be a string');
  if (
    d !== undefined &&
    Array.isArray(jwk.key_ops) &&
    !jwk.key_ops.some((op) => op === 'deriveBits' || op === 'deriveKey')
  ) {
    throw invalid('JWK "key_ops" does not allow key agreement');
  }
  return { x, y, ...(d === undefined ? {} : { d }), ...(kid === undefined ? {} : { kid }) };
}

function toRaw(input: KeyInput): RawJwk {
  if (typeof input === 'string') return fromPem(input);
  if (
    typeof input === 'object' &&
    input !== null &&
    (input as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'KeyObject'
  ) {
    return fromKeyObject(input as KeyObject);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('key must be a JWK object or PEM text');
  return fromJwkObject(input as Readonly<Record<string, unknown>>);
}

function checkPoint(raw: RawJwk): void {
  const x = decodeBase64urlStrict(raw.x);
  const y = decodeBase64urlStrict(raw.y);
  if (!x || !y || !isP256Point(x, y)) throw invalid(`public point is not on ${D1_JWE_PROFILE.crv}`);
}

/** Node accepts a JWK whose `d` does not match `x`/`y`; recompute d·G so such a key is refused at load time. */
function checkPrivateScalar(raw: RawJwk & { d: string }): void {
  const d = decodeBase64urlStrict(raw.d);
  if (d?.length !== 32) throw invalid('private scalar "d" must be 32 bytes of base64url');
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(d);
  } catch {
    throw invalid(`private scalar "d" is out of range for ${D1_JWE_PROFILE.crv}`);
  }
  const point = ecdh.getPublicKey();
  if (
    point.subarray(1, 33).toString('base64url') !== raw.x ||
    point.subarray(33).toString('base64url') !== raw.y
  ) {
    throw invalid('private scalar "d" does not belong to the public point x, y');
  }
}

async function resolveKid(raw: RawJwk, options: KeyOptions): Promise<string> {
  const given = options.kid;
  if (given !== undefined && raw.kid !== undefined && given !== raw.kid) {
    throw invalid('the kid option differs from the "kid" inside the JWK');
  }
  const kid =
    given ??
    raw.kid ??
    (await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: raw.x, y: raw.y }, 'sha256'));
  if (kid.length === 0 || kid.length > MAX_KID_LENGTH)
    throw invalid(`kid must have 1 to ${MAX_KID_LENGTH} characters`);
  return kid;
}

function publicPart(raw: RawJwk, kid: string): EcPublicJwk {
  return { kty: 'EC', crv: 'P-256', x: raw.x, y: raw.y, kid, use: 'enc', alg: 'ECDH-ES' };
}

/** Reads and checks a public key of the profile (curve, point, kid). A private key is refused here on purpose. */
export async function toPublicJwk(input: KeyInput, options: KeyOptions = {}): Promise<EcPublicJwk> {
  const raw = toRaw(input);
  if (raw.d !== undefined) throw invalid('expected a public key but got a private key');
  checkPoint(raw);
  return publicPart(raw, await resolveKid(raw, options));
}

/** Reads and checks a private key of the profile, including that `d` matches the public point. */
export async function toPrivateJwk(input: KeyInput, options: KeyOptions = {}): Promise<EcPrivateJwk> {
  const raw = toRaw(input);
  if (raw.d === undefined) throw invalid('expected a private key but got a public key');
  checkPoint(raw);
  checkPrivateScalar(raw as RawJwk & { d: string });
  return withRedactedInspect({ ...publicPart(raw, await resolveKid(raw, options)), d: raw.d });
}

/**
 * `console.log(pair)` and logger serialisers that go through util.inspect would print the scalar; the
 * hook hides `d` there. It is non-enumerable, so JSON.stringify (saving the key to a file) keeps `d`.
 */
function withRedactedInspect(jwk: EcPrivateJwk): EcPrivateJwk {
  Object.defineProperty(jwk, inspect.custom, {
    value: (_depth: number, options: object) => inspect({ ...jwk, d: '[redacted]' }, options),
  });
  return jwk;
}

/** The public JWK (with kid) of any key input, private or public: what you hand to the peer. */
export async function exportPublicJwk(input: KeyInput, options: KeyOptions = {}): Promise<EcPublicJwk> {
  const raw = toRaw(input);
  checkPoint(raw);
  if (raw.d !== undefined) checkPrivateScalar(raw as RawJwk & { d: string });
  return publicPart(raw, await resolveKid(raw, options));
}
