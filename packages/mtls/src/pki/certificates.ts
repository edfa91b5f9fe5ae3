import { X509Certificate as NodeX509Certificate, randomBytes, type webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { MtlsError } from '../errors.js';
import { EKU_CLIENT_AUTH, EKU_SERVER_AUTH } from '../identity.js';
import type { D1KeyType } from '../key-profile.js';
import { redacting } from '../redact.js';
import { x509 } from '../x509.js';
import { generateKeyPair, importSigningKey, pemText, signingAlgorithm } from './keys.js';
import { buildSubject, type SubjectFields } from './subject.js';

const DAY_MS = 86_400_000;
/** Back-dating absorbs small clock differences between the machine that issues and the one that verifies. */
const BACKDATE_MS = 5 * 60_000;

export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Used when notAfter is absent. */
  readonly validityDays?: number;
}

/** Logs with `key: '[redacted]'` (JSON and util.inspect); read `key` to write it out. */
export interface CertificateAuthority {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key; write it with mode 0600 only. */
  readonly key: string;
  readonly keyType: D1KeyType;
  readonly certificate: InstanceType<typeof x509.X509Certificate>;
  readonly signingKey: webcrypto.CryptoKey;
}

/** Logs with `key: '[redacted]'`. */
export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly keyType: D1KeyType;
  readonly serialNumber: string;
}

export interface CreateCaOptions extends Validity {
  readonly commonName?: string;
  readonly subject?: SubjectFields;
  readonly keyType?: D1KeyType;
}

/** A self-signed root that may sign leaf certificates only (pathLen 0). Default: P-256, ten years. */
export async function createCertificateAuthority(
  options: CreateCaOptions = {},
): Promise<CertificateAuthority> {
  const keyType = options.keyType ?? 'P-256';
  const pair = await generateKeyPair(keyType);
  const { notBefore, notAfter } = resolveValidity(options, 3650);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: buildSubject(
      options.subject ?? { organization: 'd1kit dev' },
      options.commonName ?? 'd1kit dev CA',
    ),
    notBefore,
    notAfter,
    keys: pair.keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(pair.keys.publicKey),
    ],
  });
  const authority: CertificateAuthority = {
    cert: pemText(certificate),
    key: pair.privateKeyPem,
    keyType,
    certificate,
    signingKey: pair.keys.privateKey,
  };
  return redacting(authority, ['key']);
}

/** Loads a CA written by `d1kit pki init`, to issue more certificates with it. */
export async function loadCertificateAuthority(
  pem: { readonly cert: string; readonly key: string },
  labels: { readonly cert: string; readonly key: string } = { cert: 'CA certificate', key: 'CA key' },
): Promise<CertificateAuthority> {
  let certificate: InstanceType<typeof x509.X509Certificate>;
  try {
    certificate = new x509.X509Certificate(pem.cert);
  } catch {
    throw new MtlsError('MTLS_FILE_INVALID', `${labels.cert} holds no readable PEM certificate`, {
      file: labels.cert,
    });
  }
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) {
    throw new MtlsError('MTLS_FILE_INVALID', `${labels.cert} is not a CA certificate`, { file: labels.cert });
  }
  const { type, key, keyObject } = await importSigningKey(pem.key, labels.key);
  if (!new NodeX509Certificate(pem.cert).checkPrivateKey(keyObject)) {
    throw new MtlsError(
      'MTLS_KEY_CERT_MISMATCH',
      `the key in ${labels.key} does not belong to ${labels.cert}`,
      {
        file: labels.key,
      },
    );
  }
  const authority: CertificateAuthority = {
    cert: pem.cert,
    key: pem.key,
    keyType: type,
    certificate,
    signingKey: key,
  };
  return redacting(authority, ['key']);
}

export interface IssueOptions extends Validity {
  readonly kind: 'server' | 'client';
  readonly commonName: string;
  readonly subject?: SubjectFields;
  /**
   * `DNS:name`, `IP:addr`, `URI:…`, `email:…`, or a bare host name / IP address. Servers default to
   * localhost, 127.0.0.1 and ::1; clients to none.
   */
  readonly subjectAltNames?: readonly string[];
  readonly keyType?: D1KeyType;
  /** Replaces the EKU that `kind` implies; for tests of refused certificates. An empty list omits the extension. */
  readonly extendedKeyUsages?: readonly string[];
}

export const DEFAULT_SERVER_NAMES: readonly string[] = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];

/**
 * A leaf certificate signed by `ca`: basicConstraints CA:false, keyUsage digitalSignature (plus
 * keyEncipherment for RSA servers, for TLS 1.2 RSA key transport), EKU serverAuth or clientAuth. One year by default.
 */
export async function issueCertificate(
  ca: CertificateAuthority,
  options: IssueOptions,
): Promise<IssuedCertificate> {
  if (options.kind !== 'server' && options.kind !== 'client') {
    throw new MtlsError('MTLS_INVALID_OPTIONS', "kind must be 'server' or 'client'");
  }
  const keyType = options.keyType ?? 'P-256';
  const subject = buildSubject(options.subject ?? {}, options.commonName);
  const names = (options.subjectAltNames ?? (options.kind === 'server' ? DEFAULT_SERVER_NAMES : [])).map(
    parseSan,
  );
  if (options.kind === 'server' && names.length === 0) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'a server certificate needs at least one subjectAltName');
  }
  const { notBefore, notAfter } = resolveValidity(options, 365);
  const pair = await generateKeyPair(keyType);
  let usages = x509.KeyUsageFlags.digitalSignature;
  if (keyType === 'RSA-4096' && options.kind === 'server') usages |= x509.KeyUsageFlags.keyEncipherment;
  const ekus = options.extendedKeyUsages ?? [options.kind === 'server' ? EKU_SERVER_AUTH : EKU_CLIENT_AUTH];
  const serialNumber = randomSerial();

  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject,
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: pair.keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      ...(ekus.length > 0 ? [new x509.ExtendedKeyUsageExtension([...ekus], false)] : []),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
      await x509.SubjectKeyIdentifierExtension.create(pair.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await ca.certificate.publicKey.export()),
    ],
  });
  const issued: IssuedCertificate = {
    cert: pemText(certificate),
    key: pair.privateKeyPem,
    keyType,
    serialNumber,
  };
  return redacting(issued, ['key']);
}

function resolveValidity(validity: Validity, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const days = validity.validityDays ?? defaultDays;
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'validityDays must be an integer between 1 and 36500');
  }
  const notBefore = validity.notBefore ?? new Date(now - BACKDATE_MS);
  const notAfter = validity.notAfter ?? new Date(notBefore.getTime() + days * DAY_MS);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()) || notAfter <= notBefore) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'notAfter must be a valid date after notBefore');
  }
  return { notBefore, notAfter };
}

/** 16 random bytes, top bit clear so the DER integer stays positive, never starting with a zero byte. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

const DNS_NAME =
  /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function parseSan(entry: string): { type: 'dns' | 'ip' | 'url' | 'email'; value: string } {
  const text = typeof entry === 'string' ? entry.trim() : '';
  const match = /^(DNS|IP|URI|email):(.+)$/i.exec(text);
  const kind = match ? match[1]!.toUpperCase() : isIP(text) ? 'IP' : 'DNS';
  const value = match ? match[2]! : text;
  if (kind === 'IP' && isIP(value)) return { type: 'ip', value };
  if (kind === 'DNS' && value.length <= 253 && DNS_NAME.test(value))
    return { type: 'dns', value: value.toLowerCase() };
  if (kind === 'URI' && URL.canParse(value)) return { type: 'url', value };
  if (kind === 'EMAIL' && /^[^@\s]+@[^@\s]+$/.test(value)) return { type: 'email', value };
  throw new MtlsError(
    'MTLS_INVALID_OPTIONS',
    `invalid subjectAltName entry: ${JSON.stringify(text.slice(0, 100))}`,
  );
}
