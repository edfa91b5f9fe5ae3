import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { type D1KeyType, d1KeyTypeOf, describeKey } from '../key-profile.js';
import { redacting } from '../redact.js';

type SubtleKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };
type CryptoKey = webcrypto.CryptoKey;

/** WebCrypto parameters per D1 key type; both sign with SHA-256 (contract 10.1). */
export function keyAlgorithm(type: D1KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return type === 'P-256'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
}

export function signingAlgorithm(type: D1KeyType): webcrypto.EcdsaParams | webcrypto.Algorithm {
  return type === 'P-256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

export interface GeneratedKeyPair {
  readonly type: D1KeyType;
  readonly keys: SubtleKeyPair;
  /** PKCS#8 PEM; write it with mode 0600 only. */
  readonly privateKeyPem: string;
}

/** A fresh key pair. RSA-4096 takes seconds; prefer P-256 where either will do. */
export async function generateKeyPair(type: D1KeyType = 'P-256'): Promise<GeneratedKeyPair> {
  if (type !== 'P-256' && type !== 'RSA-4096') {
    throw new MtlsError('MTLS_UNSUPPORTED_KEY', 'key type must be P-256 or RSA-4096');
  }
  const keys = (await webcrypto.subtle.generateKey(keyAlgorithm(type), true, [
    'sign',
    'verify',
  ])) as SubtleKeyPair;
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const pair: GeneratedKeyPair = { type, keys, privateKeyPem: toPem('PRIVATE KEY', Buffer.from(der)) };
  return redacting(pair, ['privateKeyPem']);
}

/** Imports a PEM private key for signing (e.g. a CA key from disk); only the D1 key types are accepted. */
export async function importSigningKey(
  pem: string,
  label: string,
): Promise<{ type: D1KeyType; key: CryptoKey; keyObject: KeyObject }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new MtlsError('MTLS_FILE_INVALID', `the private key in ${label} cannot be parsed`, { file: label });
  }
  const type = d1KeyTypeOf(keyObject);
  if (!type) {
    throw new MtlsError(
      'MTLS_UNSUPPORTED_KEY',
      `the key in ${label} is ${describeKey(keyObject)}; expected P-256 or RSA-4096`,
      {
        file: label,
      },
    );
  }
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const algorithm =
    type === 'P-256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { type, key, keyObject };
}

export function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * PEM from @peculiar/x509 ends without a line break; concatenating two such blocks into a bundle gives
 * `-----END …----------BEGIN …`, which OpenSSL refuses. Every PEM this package writes ends with one.
 */
export function pemText(value: { toString(format: 'pem'): string }): string {
  return `${value.toString('pem').trimEnd()}\n`;
}
