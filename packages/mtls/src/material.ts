import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { MtlsError } from './errors.js';
import { d1KeyTypeOf, describeKey } from './key-profile.js';
import { redacting } from './redact.js';

/** PEM text for one side of an mTLS connection: own certificate (chain), own key, and the CAs to trust. */
export interface TlsMaterial {
  /** Own certificate, optionally followed by intermediates (PEM). */
  readonly cert: string;
  /** Own private key (PEM, PKCS#8 / PKCS#1 / SEC1; encrypted when `passphrase` is set). */
  readonly key: string;
  /** CA bundle (PEM): for a server, the CAs of accepted client certificates; for a client, the pinned server CAs. */
  readonly ca: string;
  readonly passphrase?: string;
}

export interface TlsMaterialFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly passphrase?: string;
}

export interface TlsMaterialCheckOptions {
  /** Refuse keys other than the D1 ones (P-256, RSA-4096). Default false: a server may use a public-CA key. */
  readonly requireD1KeyType?: boolean;
  /** Accept an own certificate that has already expired. Default false: that is a start-up error. */
  readonly allowExpired?: boolean;
  /** Used for the expiry check; defaults to the current time. */
  readonly now?: Date;
}

/** Material that parsed and whose key belongs to its certificate; logs with key and passphrase `[redacted]`. */
export interface CheckedTlsMaterial extends TlsMaterial {
  /** The leaf certificate of `cert`. */
  readonly certificate: X509Certificate;
  readonly caCertificates: readonly X509Certificate[];
  /** E.g. `EC prime256v1`, `RSA-4096`. */
  readonly keyDescription: string;
}

/** Labels used in error messages: file paths when loaded from disk, option names otherwise. */
interface SourceNames {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

const MAX_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads and checks a certificate, key and CA bundle; every failure is an MtlsError that names the file. */
export async function loadTlsMaterial(
  files: TlsMaterialFiles,
  options: TlsMaterialCheckOptions = {},
): Promise<CheckedTlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readPemFile(files.certFile, 'certificate'),
    readPemFile(files.keyFile, 'private key'),
    readPemFile(files.caFile, 'CA bundle'),
  ]);
  const material = {
    cert,
    key,
    ca,
    ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }),
  };
  return checkTlsMaterial(material, options, { cert: files.certFile, key: files.keyFile, ca: files.caFile });
}

/** Checks in-memory PEM material the same way `loadTlsMaterial` checks files. */
export function checkTlsMaterial(
  material: TlsMaterial,
  options: TlsMaterialCheckOptions = {},
  names: SourceNames = { cert: 'option cert', key: 'option key', ca: 'option ca' },
): CheckedTlsMaterial {
  const chain = parseCertificates(material.cert, names.cert, 'certificate');
  const caCertificates = parseCertificates(material.ca, names.ca, 'CA bundle');
  const certificate = chain[0]!;
  const privateKey = parsePrivateKey(material, names.key);

  if (!certificate.checkPrivateKey(privateKey)) {
    throw new MtlsError(
      'MTLS_KEY_CERT_MISMATCH',
      `the private key in ${names.key} does not belong to the certificate in ${names.cert}`,
      { file: names.key },
    );
  }
  if (options.requireD1KeyType && d1KeyTypeOf(privateKey) === undefined) {
    throw new MtlsError(
      'MTLS_UNSUPPORTED_KEY',
      `the key in ${names.key} is ${describeKey(privateKey)}; D1 accepts only ECDSA P-256 or RSA-4096`,
      { file: names.key },
    );
  }
  const now = options.now ?? new Date();
  if (!options.allowExpired && new Date(certificate.validTo).getTime() < now.getTime()) {
    throw new MtlsError(
      'MTLS_FILE_INVALID',
      `the certificate in ${names.cert} expired on ${new Date(certificate.validTo).toISOString()}`,
      { file: names.cert },
    );
  }
  // TLS gets the blocks re-joined one per line: OpenSSL refuses a bundle whose blocks were concatenated
  // without line breaks (`-----END …----------BEGIN …`), which this parser accepts.
  // Logged by accident (onReload, `mtls.material`), it must not print the key or its passphrase.
  const checked: CheckedTlsMaterial = {
    ...material,
    cert: joinPem(material.cert),
    ca: joinPem(material.ca),
    certificate,
    caCertificates,
    keyDescription: describeKey(privateKey),
  };
  return redacting(checked, ['key', 'passphrase']);
}

function joinPem(pem: string): string {
  return `${(pem.match(PEM_CERTIFICATE) ?? []).join('\n')}\n`;
}

/**
 * Reads one PEM file, refusing what must not be trusted or read: anything but a regular file (a FIFO
 * would block, a device never end), more than 1 MiB, or a file every user may write to (anyone could
 * add a CA to the trusted bundle, or swap the key, and the reloader would pick it up).
 */
async function readPemFile(path: string, what: string): Promise<string> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever; regular files ignore it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(path, what, error);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory())
      throw unreadable(path, what, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (!info.isFile())
      throw new MtlsError('MTLS_FILE_INVALID', `the ${what} file ${path} is not a regular file`, {
        file: path,
      });
    if (process.platform !== 'win32' && (info.mode & 0o002) !== 0) {
      throw new MtlsError(
        'MTLS_FILE_INVALID',
        `the ${what} file ${path} is writable by every user; chmod o-w it`,
        {
          file: path,
        },
      );
    }
    const data = await readAtMost(handle, MAX_FILE_BYTES + 1).catch((error: unknown) => {
      throw unreadable(path, what, error);
    });
    if (data.length > MAX_FILE_BYTES) {
      throw new MtlsError(
        'MTLS_FILE_INVALID',
        `the ${what} file ${path} is larger than ${MAX_FILE_BYTES} bytes`,
        {
          file: path,
        },
      );
    }
    return data.toString('utf8');
  } finally {
    await handle.close();
  }
}

function unreadable(path: string, what: string, error: unknown): MtlsError {
  const reason = (error as NodeJS.ErrnoException).code ?? 'read error';
  return new MtlsError('MTLS_FILE_UNREADABLE', `cannot read the ${what} file ${path} (${reason})`, {
    file: path,
    cause: error,
  });
}

/** Up to `limit` bytes, so a file that grows while it is read cannot exhaust memory. */
async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await handle.read(buffer, length, limit - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

function parseCertificates(pem: string, name: string, what: string): X509Certificate[] {
  const blocks = typeof pem === 'string' ? (pem.match(PEM_CERTIFICATE) ?? []) : [];
  if (blocks.length === 0) {
    throw new MtlsError('MTLS_FILE_INVALID', `${name} holds no PEM certificate (expected a ${what})`, {
      file: name,
    });
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new MtlsError('MTLS_FILE_INVALID', `certificate #${index + 1} in ${name} cannot be parsed`, {
        file: name,
        cause: error,
      });
    }
  });
}

function parsePrivateKey(material: TlsMaterial, name: string): KeyObject {
  if (typeof material.key !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material.key)) {
    throw new MtlsError('MTLS_FILE_INVALID', `${name} holds no PEM private key`, { file: name });
  }
  try {
    return createPrivateKey(
      material.passphrase === undefined
        ? { key: material.key, format: 'pem' }
        : { key: material.key, format: 'pem', passphrase: material.passphrase },
    );
  } catch {
    // The underlying OpenSSL message is dropped on purpose: it says nothing useful and we keep key
    // handling paths free of any text derived from the key.
    const encrypted = /ENCRYPTED/.test(material.key);
    const hint =
      material.passphrase !== undefined
        ? ' or the passphrase is wrong'
        : encrypted
          ? ': it is encrypted and no passphrase was given'
          : '';
    throw new MtlsError('MTLS_FILE_INVALID', `the private key in ${name} cannot be parsed${hint}`, {
      file: name,
    });
  }
}
