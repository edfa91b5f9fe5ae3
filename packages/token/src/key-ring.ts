import type { JsonWebKey, KeyObject } from 'node:crypto';
import { TokenError } from './errors.js';
import {
  type KeyResolver,
  loadSigningKey,
  loadVerificationKey,
  publicKeyOf,
  type SigningKey,
  type SigningKeyInput,
  type VerificationKey,
  type VerificationKeyInput,
} from './keys.js';

/** Longest access-token lifetime the token endpoint allows, plus the largest clock tolerance. */
export const DEFAULT_RETAIN_SECONDS = 3600 + 300;

export interface KeyRingOptions {
  /** The key new tokens are signed with. */
  readonly current: SigningKeyInput;
  /** Public keys of earlier signing keys; kept until you remove them from the configuration. */
  readonly previous?: readonly VerificationKeyInput[];
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number;
}

interface RetainedKey {
  readonly key: VerificationKey;
  /** Epoch ms after which the key no longer verifies; undefined means kept until removed. */
  readonly retireAt: number | undefined;
}

/**
 * The outbound token endpoint's keys, by `kid`: one current signing key and the public keys of earlier
 * ones. After `rotate()`, tokens signed with the old key keep verifying until they have expired.
 */
export class KeyRing implements KeyResolver {
  #current: SigningKey;
  #currentPublic: VerificationKey;
  readonly #retained = new Map<string, RetainedKey>();
  readonly #now: () => number;

  constructor(options: KeyRingOptions) {
    this.#now = options.now ?? (() => Date.now());
    this.#current = loadSigningKey(options.current);
    this.#currentPublic = publicKeyOf(this.#current);
    for (const input of options.previous ?? []) {
      const key = loadVerificationKey(input);
      this.#assertNewKid(key.kid);
      this.#retained.set(key.kid, { key, retireAt: undefined });
    }
  }

  get signingKey(): SigningKey {
    return this.#current;
  }

  /**
   * Makes `next` the signing key. The old key still verifies for `retainSeconds` (default: the longest
   * token lifetime plus clock tolerance), so tokens already handed out stay valid until they expire.
   */
  rotate(next: SigningKeyInput, retainSeconds = DEFAULT_RETAIN_SECONDS): void {
    if (!Number.isFinite(retainSeconds) || retainSeconds < 0) {
      throw new TokenError('CONFIG_INVALID', 'retainSeconds must be a non-negative number');
    }
    const loaded = loadSigningKey(next);
    this.#assertNewKid(loaded.kid);
    this.#retained.set(this.#current.kid, {
      key: this.#currentPublic,
      retireAt: this.#now() + retainSeconds * 1000,
    });
    this.#current = loaded;
    this.#currentPublic = publicKeyOf(loaded);
  }

  /** Stops accepting tokens signed with `kid` at once (a compromised key). The current key cannot be retired. */
  retire(kid: string): boolean {
    if (kid === this.#current.kid) {
      throw new TokenError('CONFIG_INVALID', 'The current signing key cannot be retired; rotate first');
    }
    return this.#retained.delete(kid);
  }

  resolve(kid: string): KeyObject | undefined {
    if (kid === this.#current.kid) return this.#currentPublic.publicKey;
    const retained = this.#retained.get(kid);
    if (!retained) return undefined;
    if (retained.retireAt !== undefined && this.#now() >= retained.retireAt) {
      this.#retained.delete(kid);
      return undefined;
    }
    return retained.key.publicKey;
  }

  /** The kids that currently verify, current first. */
  kids(): string[] {
    return [
      this.#current.kid,
      ...[...this.#retained.keys()].filter((kid) => this.resolve(kid) !== undefined),
    ];
  }

  /** Public JWK Set of every key that currently verifies (for publishing or a separate verifier). */
  jwks(): { keys: JsonWebKey[] } {
    return {
      keys: this.kids().map((kid) => ({
        ...(this.resolve(kid) as KeyObject).export({ format: 'jwk' }),
        kid,
        alg: 'ES256',
        use: 'sig',
      })),
    };
  }

  #assertNewKid(kid: string): void {
    if (kid === this.#current?.kid || this.#retained.has(kid)) {
      throw new TokenError('CONFIG_INVALID', 'Each key in the ring needs its own kid');
    }
  }
}
