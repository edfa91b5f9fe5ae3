import { formatD1CommonName } from '../d1-common-name.js';
import type { D1KeyType } from '../key-profile.js';
import type { TlsMaterial } from '../material.js';
import { redacting } from '../redact.js';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
  type IssueOptions,
  issueCertificate,
} from './certificates.js';

/** The issuerId used by dev client certificates: 10 characters, as D1 requires. */
export const DEV_ISSUER_ID = 'D1KITDEV01';

export interface DevPkiOptions {
  /** Default P-256 (milliseconds); RSA-4096 takes seconds per key. */
  readonly keyType?: D1KeyType;
  /** Default localhost, 127.0.0.1, ::1. */
  readonly serverNames?: readonly string[];
  /** Default the D1-format CN for DEV_ISSUER_ID in PreProd. */
  readonly clientCommonName?: string;
}

export interface DevPki {
  readonly ca: CertificateAuthority;
  readonly server: IssuedCertificate;
  readonly client: IssuedCertificate;
  /** For `createMtlsServerOptions` / `createMtlsServer`: server certificate, key, and the CA as client trust. */
  readonly serverTls: TlsMaterial;
  /** For `createMtlsAgent`: client certificate, key, and the CA pinned for the server. */
  readonly clientTls: TlsMaterial;
  /** Issues another certificate from the same CA (e.g. expired or wrong-EKU ones for tests). */
  issue(options: IssueOptions): Promise<IssuedCertificate>;
  /** Client material for a certificate from `issue`, trusting this CA. */
  tlsFor(issued: IssuedCertificate): TlsMaterial;
}

/** An in-memory CA with one server and one client certificate: quick mTLS fixtures for tests and local runs. */
export async function createDevPki(options: DevPkiOptions = {}): Promise<DevPki> {
  const keyType = options.keyType ?? 'P-256';
  const ca = await createCertificateAuthority({ keyType });
  const [server, client] = await Promise.all([
    issueCertificate(ca, {
      kind: 'server',
      commonName: 'localhost',
      keyType,
      ...(options.serverNames ? { subjectAltNames: options.serverNames } : {}),
    }),
    issueCertificate(ca, {
      kind: 'client',
      commonName:
        options.clientCommonName ?? formatD1CommonName({ issuerId: DEV_ISSUER_ID, environment: 'PPR' }),
      keyType,
    }),
  ]);
  const tlsFor = (issued: IssuedCertificate): TlsMaterial =>
    redacting({ cert: issued.cert, key: issued.key, ca: ca.cert }, ['key']);
  return {
    ca,
    server,
    client,
    serverTls: tlsFor(server),
    clientTls: tlsFor(client),
    issue: (issueOptions) => issueCertificate(ca, { keyType, ...issueOptions }),
    tlsFor,
  };
}
