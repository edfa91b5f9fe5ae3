import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

import { describeKid, JweError } from './errors.js';
import { findDecryptionKey } from './internal.js';
import { type EcPublicJwk, type KeyInput, type KeyOptions, toPrivateJwk } from './jwk.js';

interface HeldKey {
  readonly publicJwk: EcPublicJwk;
  readonly handle: CryptoKey;
}

/** One key for a set: key material, optionally with the kid to file it under. */
export type DecryptionKeyEntry = KeyInput | { readonly key: KeyInput; readonly kid?: string };

export interface DecryptionKeySetOptions {
  /** The kid whose public key the peer should encrypt to now. Defaults to the first key. */
  readonly currentKid?: string;
}

async function importEntry(entry: DecryptionKeyEntry): Promise<HeldKey> {
  const isWrapped = typeof entry === 'object' && entry !== null && 'key' in entry && !('kty' in entry);
  const input = isWrapped ? (entry as { key: KeyInput }).key : (entry as KeyInput);
  const options: KeyOptions =
    isWrapped && (entry as { kid?: string }).kid !== undefined ? { kid: (entry as { kid: string }).kid } : {};
  const jwk = await toPrivateJwk(input, options);
  // Non-extractable: once imported, the scalar cannot be read back out of this process through WebCrypto.
  const handle = await webcrypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    ['deriveBits'],
  );
  const { d: _secret, ...publicJwk } = jwk;
  return { publicJwk: Object.freeze(publicJwk), handle };
}

/**
 * The decrypting side's private keys by kid. Rotation: add the new key, make it current and hand its
 * public key to the peer; the old key keeps decrypting until you remove it. Keys are imported once.
 */
export class DecryptionKeySet {
  readonly #keys = new Map<string, HeldKey>();
  #currentKid: string;

  private constructor(keys: readonly HeldKey[], currentKid: string) {
    for (const key of keys) this.#keys.set(key.publicJwk.kid, key);
    this.#currentKid = currentKid;
  }

  static async import(
    entries: readonly DecryptionKeyEntry[],
    options: DecryptionKeySetOptions = {},
  ): Promise<DecryptionKeySet> {
    if (entries.length === 0)
      throw new JweError('KEY_SET_INVALID', 'a decryption key set needs at least one key');
    const keys = await Promise.all(entries.map(importEntry));
    const kids = new Set<string>();
    for (const { publicJwk } of keys) {
      if (kids.has(publicJwk.kid))
        throw new JweError('KEY_SET_INVALID', `kid ${describeKid(publicJwk.kid)} appears twice`);
      kids.add(publicJwk.kid);
    }
    const currentKid = options.currentKid ?? keys[0]!.publicJwk.kid;
    if (!kids.has(currentKid))
      throw new JweError('KEY_SET_INVALID', `current kid ${describeKid(currentKid)} is not in the set`);
    return new DecryptionKeySet(keys, currentKid);
  }

  get currentKid(): string {
    return this.#currentKid;
  }

  get kids(): readonly string[] {
    return [...this.#keys.keys()];
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /** Adds a key (e.g. the next one during rotation); with `makeCurrent` it becomes the one to publish. */
  async add(entry: DecryptionKeyEntry, options: { makeCurrent?: boolean } = {}): Promise<string> {
    const key = await importEntry(entry);
    const { kid } = key.publicJwk;
    if (this.#keys.has(kid))
      throw new JweError('KEY_SET_INVALID', `kid ${describeKid(kid)} is already in the set`);
    this.#keys.set(kid, key);
    if (options.makeCurrent) this.#currentKid = kid;
    return kid;
  }

  setCurrent(kid: string): void {
    if (!this.#keys.has(kid))
      throw new JweError('KEY_SET_INVALID', `kid ${describeKid(kid)} is not in the set`);
    this.#currentKid = kid;
  }

  /** Retires a key: JWEs for it are refused from now on. The current key cannot be removed. */
  remove(kid: string): void {
    if (kid === this.#currentKid)
      throw new JweError('KEY_SET_INVALID', 'the current key cannot be removed; make another current first');
    if (!this.#keys.delete(kid))
      throw new JweError('KEY_SET_INVALID', `kid ${describeKid(kid)} is not in the set`);
  }

  /** The public JWK (with kid) of the current key: what the peer encrypts to. */
  get currentPublicJwk(): EcPublicJwk {
    return this.#keys.get(this.#currentKid)!.publicJwk;
  }

  /** Public JWKs of every key, current first, as a JWKS document. */
  publicJwks(): { keys: EcPublicJwk[] } {
    const rest = [...this.#keys.values()]
      .filter((k) => k.publicJwk.kid !== this.#currentKid)
      .map((k) => k.publicJwk);
    return { keys: [this.currentPublicJwk, ...rest] };
  }

  [findDecryptionKey](kid: string): CryptoKey | undefined {
    return this.#keys.get(kid)?.handle;
  }
}

/** Imports private keys (JWK, PEM or KeyObject) into a {@link DecryptionKeySet}. */
export function importDecryptionKeySet(
  entries: readonly DecryptionKeyEntry[],
  options: DecryptionKeySetOptions = {},
): Promise<DecryptionKeySet> {
  return DecryptionKeySet.import(entries, options);
}
