import { createSecureContext } from 'node:tls';
import { Agent } from 'undici';
import { MtlsError } from './errors.js';
import {
  type CheckedTlsMaterial,
  checkTlsMaterial,
  type TlsMaterial,
  type TlsMaterialCheckOptions,
} from './material.js';
import { D1_TLS_CIPHERS, resolveMinVersion, type TlsProtocolOptions } from './server-options.js';

export interface MtlsAgentOptions extends TlsProtocolOptions {
  /** Idle keep-alive time of a pooled connection, ms. Default 10 000. */
  readonly keepAliveTimeout?: number;
  /** Upper bound the server's Keep-Alive hint may raise it to, ms. Default 60 000. */
  readonly keepAliveMaxTimeout?: number;
  /** Connections per origin; default unlimited (undici's default). */
  readonly connections?: number;
  /** TCP + TLS connect timeout, ms. Default 10 000. */
  readonly connectTimeout?: number;
  /** SNI and certificate host name, when it differs from the URL host. */
  readonly servername?: string;
  readonly check?: TlsMaterialCheckOptions;
}

/**
 * An undici 7 dispatcher that presents the client certificate, trusts only the pinned CA bundle (not
 * the system roots), speaks TLS 1.2+ and reuses connections. Close it with `agent.close()`.
 * Certificates cannot be swapped on a live Agent: for a rotation build a new one and close the old.
 */
export function createMtlsAgent(
  material: TlsMaterial | CheckedTlsMaterial,
  options: MtlsAgentOptions = {},
): Agent {
  const checked = 'certificate' in material ? material : checkTlsMaterial(material, options.check);
  const positive = (name: string, value: number | undefined, fallback: number | undefined) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value <= 0) {
      throw new MtlsError('MTLS_INVALID_OPTIONS', `${name} must be a positive integer`);
    }
    return value;
  };
  const connections = positive('connections', options.connections, undefined);
  return new Agent({
    keepAliveTimeout: positive('keepAliveTimeout', options.keepAliveTimeout, 10_000)!,
    keepAliveMaxTimeout: positive('keepAliveMaxTimeout', options.keepAliveMaxTimeout, 60_000)!,
    ...(connections === undefined ? {} : { connections }),
    connect: {
      // One secure context for every connection: building it (parsing the PEM key and CA bundle)
      // costs about as much as the handshake itself, and Node would otherwise redo it per connection.
      secureContext: createSecureContext({
        cert: checked.cert,
        key: checked.key,
        ...(checked.passphrase === undefined ? {} : { passphrase: checked.passphrase }),
        ca: checked.ca,
        minVersion: resolveMinVersion(options.minVersion),
        maxVersion: 'TLSv1.3',
        ciphers: options.ciphers ?? D1_TLS_CIPHERS,
      }),
      rejectUnauthorized: true,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
      timeout: positive('connectTimeout', options.connectTimeout, 10_000)!,
      keepAlive: true,
    },
  });
}

/**
 * A `fetch` bound to an mTLS dispatcher, for openapi-fetch and similar (`createClient({ fetch })`).
 * It uses the global fetch: handing openapi-fetch's Request to undici's own fetch fails (two Request classes).
 */
export function createMtlsFetch(dispatcher: Agent): typeof fetch {
  // The global fetch's types name undici 6's Dispatcher; at run time an undici 7 Agent is accepted.
  return (input, init) => fetch(input, { ...init, dispatcher } as unknown as RequestInit);
}
