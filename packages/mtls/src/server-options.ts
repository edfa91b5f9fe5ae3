import type { ServerOptions } from 'node:https';
import type { SecureContextOptions, SecureVersion } from 'node:tls';
import { MtlsError } from './errors.js';
import type { TlsMaterial } from './material.js';

/**
 * TLS 1.3 suites plus the TLS 1.2 ECDHE AEAD suites: forward secrecy and authenticated encryption only.
 * D1 publishes no cipher list (contract gap 38); these are what current public endpoints negotiate.
 */
export const D1_TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Protocol settings shared by server and client; D1 speaks TLS 1.2 and 1.3 (contract 10.1). */
export interface TlsProtocolOptions {
  /** Default TLSv1.2; may be raised to TLSv1.3, never lowered. */
  readonly minVersion?: SecureVersion;
  readonly ciphers?: string;
}

export function resolveMinVersion(minVersion: SecureVersion | undefined): 'TLSv1.2' | 'TLSv1.3' {
  const version = minVersion ?? 'TLSv1.2';
  if (version !== 'TLSv1.2' && version !== 'TLSv1.3') {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'minVersion must be TLSv1.2 or TLSv1.3: D1 refuses older protocols',
    );
  }
  return version;
}

/**
 * The secure-context part of the options: what `server.setSecureContext` needs on a reload. Node rebuilds
 * the context from these fields alone, so leaving out minVersion or ciphers there would silently reset
 * them to Node's defaults; always pass the full set.
 */
export function secureContextOptions(
  material: TlsMaterial,
  protocol: TlsProtocolOptions = {},
): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
    minVersion: resolveMinVersion(protocol.minVersion),
    maxVersion: 'TLSv1.3',
    ciphers: protocol.ciphers ?? D1_TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/**
 * Options for `https.createServer` that require a client certificate signed by one of `material.ca`
 * and refuse the handshake otherwise (no certificate, unknown CA, expired, not yet valid).
 */
export function createMtlsServerOptions(
  material: TlsMaterial,
  protocol: TlsProtocolOptions = {},
): ServerOptions {
  return { ...secureContextOptions(material, protocol), requestCert: true, rejectUnauthorized: true };
}
