import type { KeyObject } from 'node:crypto';

/** The two key types D1 accepts for mTLS certificates, both signed with SHA-256. */
export type D1KeyType = 'P-256' | 'RSA-4096';

export const D1_KEY_TYPES: readonly D1KeyType[] = ['P-256', 'RSA-4096'];

/** A human-readable key description for error messages, e.g. `RSA-2048` or `EC P-384`. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType.toUpperCase()}-${details.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${details.namedCurve ?? '?'}`;
    default:
      return String(key.asymmetricKeyType ?? key.type);
  }
}

/** The D1 key type of a key, or undefined when D1 would refuse it (see contract 10.1). */
export function d1KeyTypeOf(key: KeyObject): D1KeyType | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'P-256';
  if (key.asymmetricKeyType === 'rsa' && details.modulusLength === 4096) return 'RSA-4096';
  return undefined;
}

/** Accepts the usual spellings of the two D1 key types (CLI flags, config files). */
export function parseD1KeyType(text: string): D1KeyType | undefined {
  const normalized = text
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  if (
    normalized === 'p256' ||
    normalized === 'ecp256' ||
    normalized === 'ecdsap256' ||
    normalized === 'prime256v1'
  ) {
    return 'P-256';
  }
  if (normalized === 'rsa4096') return 'RSA-4096';
  return undefined;
}
