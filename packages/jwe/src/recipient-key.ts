import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

import { takeEncryptionKey } from './internal.js';
import { type EcPublicJwk, type KeyInput, type KeyOptions, toPublicJwk } from './jwk.js';

const ECDH_P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

/**
 * Node serialises ECDH derivations that share one public-key handle (the handle's mutex is held for the
 * whole computation), and on the encrypting side every message uses the same recipient key. Importing it
 * once per libuv worker thread lets derivations run in parallel instead of queueing on that one lock.
 */
function poolSize(): number {
  const threads = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isSafeInteger(threads) && threads > 0 ? Math.min(threads, 16) : 4;
}

/** The peer's current public key (D1's, when the issuer encrypts) with its kid, imported once for reuse. */
export class RecipientKey {
  readonly kid: string;
  readonly publicJwk: EcPublicJwk;
  readonly #handles: readonly CryptoKey[];
  #next = 0;

  private constructor(publicJwk: EcPublicJwk, handles: readonly CryptoKey[]) {
    this.kid = publicJwk.kid;
    this.publicJwk = publicJwk;
    this.#handles = handles;
  }

  static async import(input: KeyInput, options: KeyOptions = {}): Promise<RecipientKey> {
    const jwk = await toPublicJwk(input, options);
    const material = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    const handles = await Promise.all(
      Array.from({ length: poolSize() }, () =>
        webcrypto.subtle.importKey('jwk', material, ECDH_P256, true, []),
      ),
    );
    return new RecipientKey(Object.freeze({ ...jwk }), handles);
  }

  /** Round-robin over the handles; see poolSize. */
  [takeEncryptionKey](): CryptoKey {
    const handle = this.#handles[this.#next]!;
    this.#next = (this.#next + 1) % this.#handles.length;
    return handle;
  }
}

/** Imports the peer's public key (JWK, PEM or KeyObject) for {@link encrypt}. */
export function importRecipientKey(input: KeyInput, options: KeyOptions = {}): Promise<RecipientKey> {
  return RecipientKey.import(input, options);
}
