// The same D1 profile (ECDH-ES, A256GCM, P-256, kid) written directly on node:crypto, as the yardstick
// for the package. It lives here only: the package itself builds on jose. Synchronous primitives
// throughout (createECDH, createHash, createCipheriv), which is how one would write it by hand.
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  type ECDH,
  randomBytes,
} from 'node:crypto';

const ENC = 'A256GCM';

function otherInfo(): Buffer {
  // AlgorithmID = enc (direct key agreement), empty PartyUInfo and PartyVInfo, SuppPubInfo = 256 bits.
  const info = Buffer.alloc(4 + ENC.length + 4 + 4 + 4);
  info.writeUInt32BE(ENC.length, 0);
  info.write(ENC, 4, 'ascii');
  info.writeUInt32BE(256, info.length - 4);
  return info;
}
const OTHER_INFO = otherInfo();
const ROUND_ONE = Buffer.from([0, 0, 0, 1]);

function concatKdf(z: Buffer): Buffer {
  return createHash('sha256').update(ROUND_ONE).update(z).update(OTHER_INFO).digest();
}

export interface RawRecipient {
  readonly kid: string;
  readonly point: Buffer;
}

export function rawRecipient(jwk: { kid: string; x: string; y: string }): RawRecipient {
  return {
    kid: jwk.kid,
    point: Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]),
  };
}

export function rawEncrypt(plaintext: Uint8Array, recipient: RawRecipient): string {
  const ephemeral = createECDH('prime256v1');
  const epk = ephemeral.generateKeys();
  const cek = concatKdf(ephemeral.computeSecret(recipient.point));
  const header = {
    alg: 'ECDH-ES',
    enc: ENC,
    kid: recipient.kid,
    epk: {
      kty: 'EC',
      crv: 'P-256',
      x: epk.subarray(1, 33).toString('base64url'),
      y: epk.subarray(33).toString('base64url'),
    },
  };
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${encodedHeader}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** Private keys by kid, each as an ECDH object holding the scalar (computeSecret validates the peer point). */
export function rawKeySet(jwks: readonly { kid: string; d: string }[]): Map<string, ECDH> {
  return new Map(
    jwks.map((jwk) => {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
      return [jwk.kid, ecdh];
    }),
  );
}

export function rawDecrypt(compact: string, keys: Map<string, ECDH>): Buffer {
  if (compact.length > 8192) throw new Error('too long');
  const parts = compact.split('.');
  if (parts.length !== 5 || parts[1] !== '') throw new Error('malformed');
  const [encodedHeader, , iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
  if (
    header.alg !== 'ECDH-ES' ||
    header.enc !== ENC ||
    header.zip !== undefined ||
    header.crit !== undefined
  ) {
    throw new Error('not the profile');
  }
  const key = keys.get(header.kid);
  const { epk } = header;
  if (!key || epk?.kty !== 'EC' || epk.crv !== 'P-256') throw new Error('bad key');
  const point = Buffer.concat([
    Buffer.of(4),
    Buffer.from(epk.x, 'base64url'),
    Buffer.from(epk.y, 'base64url'),
  ]);
  if (point.length !== 65) throw new Error('bad epk');
  const cek = concatKdf(key.computeSecret(point));
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new Error('malformed');
  const decipher = createDecipheriv('aes-256-gcm', cek, ivBytes, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
