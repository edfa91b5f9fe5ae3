import {
  createD1CommonNameFormat,
  type D1CommonNameFormat,
  type D1Environment,
  isD1Environment,
  isD1IssuerId,
} from '../d1-common-name.js';
import { MtlsError } from '../errors.js';
import type { D1KeyType } from '../key-profile.js';
import { redacting } from '../redact.js';
import { x509 } from '../x509.js';
import { generateKeyPair, pemText, signingAlgorithm } from './keys.js';
import { buildSubject, type SubjectFields } from './subject.js';

export interface D1CsrOptions {
  readonly issuerId: string;
  readonly environment: D1Environment;
  /** All five are required by D1's onboarding (contract 10.1). */
  readonly subject: Required<SubjectFields>;
  /** Default RSA-4096, the type D1 documents first; P-256 is also accepted. */
  readonly keyType?: D1KeyType;
  /** The CN layout; defaults to d1kit's assumed one (see DEFAULT_D1_COMMON_NAME_TEMPLATE). */
  readonly commonNameFormat?: D1CommonNameFormat | string;
}

/** Logs with `key: '[redacted]'`. */
export interface D1Csr {
  /** PEM PKCS#10 request, for the Thales Delivery Team. */
  readonly csr: string;
  /** PKCS#8 PEM private key: stays with the issuer; write it with mode 0600. */
  readonly key: string;
  readonly commonName: string;
  readonly keyType: D1KeyType;
}

/**
 * The onboarding CSR for an issuer's D1 client certificate: subject C, ST, L, O, OU, CN (CN from
 * issuerId + environment), signed with SHA-256 by a fresh RSA-4096 or P-256 key. Carries no extension
 * requests: the Thales CA sets usages itself.
 */
export async function createD1Csr(options: D1CsrOptions): Promise<D1Csr> {
  if (!isD1IssuerId(options.issuerId)) {
    throw new MtlsError(
      'MTLS_INVALID_COMMON_NAME',
      'issuerId must be exactly 10 characters of A-Z, a-z, 0-9, _ or -',
    );
  }
  if (!isD1Environment(options.environment)) {
    throw new MtlsError('MTLS_INVALID_COMMON_NAME', 'environment must be PPR or PRD');
  }
  const subject = options.subject ?? ({} as Required<SubjectFields>);
  for (const field of ['country', 'state', 'locality', 'organization', 'organizationalUnit'] as const) {
    if (subject[field] === undefined) {
      throw new MtlsError('MTLS_INVALID_SUBJECT', `the D1 CSR subject needs ${field}`);
    }
  }
  const format =
    typeof options.commonNameFormat === 'object'
      ? options.commonNameFormat
      : createD1CommonNameFormat(options.commonNameFormat ?? undefined);
  const commonName = format.format({ issuerId: options.issuerId, environment: options.environment });
  const name = buildSubject(subject, commonName);
  const keyType = options.keyType ?? 'RSA-4096';
  const pair = await generateKeyPair(keyType);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys: pair.keys,
    signingAlgorithm: signingAlgorithm(keyType),
  });
  const result: D1Csr = { csr: pemText(request), key: pair.privateKeyPem, commonName, keyType };
  return redacting(result, ['key']);
}
