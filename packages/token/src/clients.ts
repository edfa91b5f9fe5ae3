import { randomBytes } from 'node:crypto';
import { type ClientSecretHash, parseClientSecretHash, verifyClientSecret } from './client-secret.js';
import { TokenError } from './errors.js';
import { isScopeToken } from './scope.js';

export interface TokenClientConfig {
  /** The client id D1 presents (unreserved characters only, so plain and form-encoded Basic agree). */
  readonly clientId: string;
  /** One `hashClientSecret` string, or several while a secret is being rotated. */
  readonly secretHash: string | readonly string[];
  /** Scopes this client may ask for; all of them are granted when it asks for none. */
  readonly scopes?: readonly string[];
}

export interface RegisteredClient {
  readonly clientId: string;
  readonly secretHashes: readonly ClientSecretHash[];
  readonly scopes: ReadonlySet<string>;
}

export const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

function register(config: TokenClientConfig): RegisteredClient {
  if (typeof config?.clientId !== 'string' || !CLIENT_ID.test(config.clientId)) {
    throw new TokenError('CONFIG_INVALID', 'clientId must be 1-128 characters from A-Z a-z 0-9 . _ ~ -');
  }
  const hashes = typeof config.secretHash === 'string' ? [config.secretHash] : [...(config.secretHash ?? [])];
  if (hashes.length === 0 || hashes.length > 4) {
    throw new TokenError('CONFIG_INVALID', 'Each client needs 1-4 secret hashes');
  }
  const scopes = config.scopes ?? [];
  if (!scopes.every(isScopeToken)) {
    throw new TokenError('CONFIG_INVALID', 'Scopes must be RFC 6749 scope tokens');
  }
  return Object.freeze({
    clientId: config.clientId,
    secretHashes: Object.freeze(hashes.map(parseClientSecretHash)),
    scopes: new Set(scopes),
  });
}

/** Configured clients by id, plus a decoy hash so unknown ids cost as much scrypt work as known ones. */
export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();
  readonly #decoy: ClientSecretHash;
  readonly #verify: typeof verifyClientSecret;

  constructor(configs: readonly TokenClientConfig[], verify: typeof verifyClientSecret = verifyClientSecret) {
    this.#verify = verify;
    if (!Array.isArray(configs) || configs.length === 0) {
      throw new TokenError('CONFIG_INVALID', 'The token endpoint needs at least one client');
    }
    for (const config of configs) {
      const client = register(config);
      if (this.#clients.has(client.clientId)) {
        throw new TokenError('CONFIG_INVALID', 'Each client needs its own clientId');
      }
      this.#clients.set(client.clientId, client);
    }
    // The decoy uses the first client's parameters; give all clients the same ones for equal timing.
    const model = (this.#clients.values().next().value as RegisteredClient)
      .secretHashes[0] as ClientSecretHash;
    this.#decoy = {
      params: model.params,
      salt: randomBytes(model.salt.length),
      hash: randomBytes(model.hash.length),
    };
  }

  /** The client when the secret matches one of its hashes; undefined otherwise, after equal work. */
  async authenticate(clientId: string, secret: string): Promise<RegisteredClient | undefined> {
    const client = this.#clients.get(clientId);
    if (!client) {
      await this.#verify(secret, this.#decoy);
      return undefined;
    }
    // Every hash is checked (no early exit), so timing does not tell which one matched.
    const results = await Promise.all(client.secretHashes.map((hash) => this.#verify(secret, hash)));
    return results.includes(true) ? client : undefined;
  }
}
