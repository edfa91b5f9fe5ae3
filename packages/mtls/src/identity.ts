import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { x509 } from './x509.js';

export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** One subject/issuer attribute, e.g. `{ type: 'CN', value: 'D1-ABCDEFGHIJ-PPR' }`. */
export interface NameAttribute {
  readonly type: string;
  readonly value: string;
}

/** What the authorizer knows about a peer certificate. Certificates are public, so all of it may be logged. */
export interface ClientIdentity {
  /** Subject DN as printed by @peculiar/x509, e.g. `CN=client, O=Bank, C=FR`. */
  readonly subject: string;
  readonly subjectAttributes: readonly NameAttribute[];
  /**
   * The subject's CN when it has exactly one. Undefined for none or several: implementations disagree
   * on which of several counts, so such a certificate matches no CN entry or CN rule.
   */
  readonly commonName: string | undefined;
  readonly issuer: string;
  /** Upper-case hex, as in the certificate. */
  readonly serialNumber: string;
  /** SHA-256 of the DER certificate: lower-case hex, no separators. */
  readonly fingerprint256: string;
  /** `DNS:…`, `IP:…`, `URI:…`, `email:…` entries of the subjectAltName extension. */
  readonly subjectAltNames: readonly string[];
  /** EKU OIDs, or undefined when the certificate has no extendedKeyUsage extension. */
  readonly extendedKeyUsages: readonly string[] | undefined;
  readonly validFrom: Date;
  readonly validTo: Date;
}

const SAN_PREFIX: Partial<Record<string, string>> = { dns: 'DNS', ip: 'IP', url: 'URI', email: 'email' };

/**
 * Parsed identities by certificate fingerprint. Parsing with @peculiar/x509 costs about half a
 * millisecond, and a D1 endpoint sees the same few client certificates on every new connection.
 */
const parsedByFingerprint = new Map<string, Omit<ClientIdentity, 'validFrom' | 'validTo'>>();
const PARSE_CACHE_SIZE = 256;

export function identityFromCertificate(certificate: NodeX509Certificate): ClientIdentity {
  const fingerprint256 = normalizeFingerprint(certificate.fingerprint256);
  let parsed = parsedByFingerprint.get(fingerprint256);
  if (parsed) {
    parsedByFingerprint.delete(fingerprint256); // re-inserted below: most recently used last
  } else {
    parsed = parseIdentity(certificate, fingerprint256);
  }
  parsedByFingerprint.set(fingerprint256, parsed);
  if (parsedByFingerprint.size > PARSE_CACHE_SIZE) {
    parsedByFingerprint.delete(parsedByFingerprint.keys().next().value as string);
  }
  // Fresh Date objects per call: a handler that mutates one cannot affect another connection.
  return { ...parsed, validFrom: new Date(certificate.validFrom), validTo: new Date(certificate.validTo) };
}

function parseIdentity(
  certificate: NodeX509Certificate,
  fingerprint256: string,
): Omit<ClientIdentity, 'validFrom' | 'validTo'> {
  const parsed = new x509.X509Certificate(certificate.raw);
  const subjectAttributes = Object.freeze(nameAttributes(parsed.subjectName).map((a) => Object.freeze(a)));
  const commonNames = subjectAttributes.filter((attribute) => attribute.type === 'CN');
  const sanExtension = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const ekuExtension = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  return Object.freeze({
    subject: parsed.subject,
    subjectAttributes,
    commonName: commonNames.length === 1 ? commonNames[0]?.value : undefined,
    issuer: parsed.issuer,
    serialNumber: certificate.serialNumber.toUpperCase(),
    fingerprint256,
    subjectAltNames: Object.freeze(
      (sanExtension?.names.items ?? []).flatMap((name) => {
        const prefix = SAN_PREFIX[name.type];
        return prefix ? [`${prefix}:${name.value}`] : [];
      }),
    ),
    extendedKeyUsages: ekuExtension ? Object.freeze(ekuExtension.usages.map(String)) : undefined,
  });
}

/** Splits a parsed Name into attributes with short upper-case type names (OIDs stay dotted). */
export function nameAttributes(name: InstanceType<typeof x509.Name>): NameAttribute[] {
  return name
    .toJSON()
    .flatMap((rdn) =>
      Object.entries(rdn).flatMap(([type, values]) =>
        values.map((value) => ({ type: type.toUpperCase(), value })),
      ),
    );
}

/** Accepts `AB:CD:…`, `abcd…` or hex with spaces; returns lower-case hex without separators. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/[:\s]/g, '').toLowerCase();
}

const socketIdentities = new WeakMap<TLSSocket, ClientIdentity | null>();

/**
 * The identity behind a TLS socket's peer certificate, parsed once per connection (keep-alive requests
 * reuse it). Null when the peer sent no certificate.
 */
export function peerIdentity(socket: TLSSocket): ClientIdentity | null {
  const known = socketIdentities.get(socket);
  if (known !== undefined) return known;
  const certificate = socket.getPeerX509Certificate();
  const identity = certificate ? identityFromCertificate(certificate) : null;
  socketIdentities.set(socket, identity);
  return identity;
}
