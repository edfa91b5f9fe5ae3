import { execFileSync } from 'node:child_process';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { chmod, copyFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MtlsError } from './errors.js';
import { checkTlsMaterial, loadTlsMaterial, type TlsMaterialFiles } from './material.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';
import { x509 } from './x509.js';

let dir: string;
let pki: DevPki;
let files: TlsMaterialFiles;
const HOUR = 3_600_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-mtls-material-'));
  pki = await createDevPki();
  files = {
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    caFile: join(dir, 'ca.pem'),
  };
  await Promise.all([
    writeFile(files.certFile, pki.server.cert),
    writeFile(files.keyFile, pki.server.key, { mode: 0o600 }),
    writeFile(files.caFile, pki.ca.cert),
    writeFile(join(dir, 'client.key'), pki.client.key),
    writeFile(
      join(dir, 'garbage.pem'),
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
    ),
    writeFile(join(dir, 'empty.pem'), ''),
  ]);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function loadError(overrides: Partial<TlsMaterialFiles>): Promise<MtlsError> {
  const error = await loadTlsMaterial({ ...files, ...overrides }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MtlsError);
  return error as MtlsError;
}

describe('loadTlsMaterial', () => {
  it('loads matching files and reports what it found', async () => {
    const material = await loadTlsMaterial(files);
    expect(material.certificate.subject).toBe('CN=localhost');
    expect(material.caCertificates).toHaveLength(1);
    expect(material.keyDescription).toBe('EC prime256v1');
    expect(material.cert).toBe(pki.server.cert);
  });

  it('names a missing or unreadable file', async () => {
    const missing = await loadError({ keyFile: join(dir, 'nope.key') });
    expect([missing.code, missing.file]).toEqual(['MTLS_FILE_UNREADABLE', join(dir, 'nope.key')]);
    expect(missing.message).toBe(`cannot read the private key file ${join(dir, 'nope.key')} (ENOENT)`);
    const directory = await loadError({ caFile: dir });
    expect([directory.code, directory.file]).toEqual(['MTLS_FILE_UNREADABLE', dir]);
    expect(directory.message).toContain('(EISDIR)');
  });

  it('refuses a file every user may write to (anyone could add a CA or swap the key)', async () => {
    const shared = join(dir, 'shared-ca.pem');
    await copyFile(files.caFile, shared);
    await chmod(shared, 0o666);
    const error = await loadError({ caFile: shared });
    expect([error.code, error.file]).toEqual(['MTLS_FILE_INVALID', shared]);
    expect(error.message).toBe(`the CA bundle file ${shared} is writable by every user; chmod o-w it`);
  });

  it('refuses a FIFO or device instead of blocking or reading without end', async () => {
    const fifo = join(dir, 'ca.fifo');
    execFileSync('mkfifo', [fifo]);
    const pending = loadError({ caFile: fifo });
    // Without a writer, opening a FIFO blocks; unblock it if the load is stuck there so that no thread
    // is left hanging, and let the expectations below fail.
    const guard = setTimeout(() => open(fifo, 'w').then((handle) => handle.close()), 2_000);
    const error = await pending.finally(() => clearTimeout(guard));
    expect([error.code, error.message]).toEqual([
      'MTLS_FILE_INVALID',
      `the CA bundle file ${fifo} is not a regular file`,
    ]);
    const device = await loadError({ certFile: '/dev/zero' });
    expect(device.message).toBe('the certificate file /dev/zero is not a regular file');
  });

  it('names a file that holds no usable PEM', async () => {
    const garbage = await loadError({ certFile: join(dir, 'garbage.pem') });
    expect([garbage.code, garbage.file]).toEqual(['MTLS_FILE_INVALID', join(dir, 'garbage.pem')]);
    expect(garbage.message).toContain('cannot be parsed');
    const empty = await loadError({ caFile: join(dir, 'empty.pem') });
    expect(empty.message).toBe(`${join(dir, 'empty.pem')} holds no PEM certificate (expected a CA bundle)`);
    const notAKey = await loadError({ keyFile: files.certFile });
    expect(notAKey.message).toBe(`${files.certFile} holds no PEM private key`);
  });

  it('refuses a key that does not belong to the certificate, naming both files', async () => {
    const error = await loadError({ keyFile: join(dir, 'client.key') });
    expect(error.code).toBe('MTLS_KEY_CERT_MISMATCH');
    expect(error.message).toBe(
      `the private key in ${join(dir, 'client.key')} does not belong to the certificate in ${files.certFile}`,
    );
  });

  it('never puts key material into its messages', async () => {
    const lines = pki.server.key.trim().split('\n');
    const broken = [lines[0], lines[1]!.slice(0, 40), lines.at(-1)].join('\n');
    const error = (() => {
      try {
        checkTlsMaterial({ ...pki.serverTls, key: broken });
      } catch (caught) {
        return caught as MtlsError;
      }
    })();
    expect(error?.code).toBe('MTLS_FILE_INVALID');
    const body = pki.server.key.split('\n')[1]!;
    expect(error?.message).not.toContain(body.slice(0, 16));
    expect(JSON.stringify(error)).not.toContain(body.slice(0, 16));
  });
});

describe('checkTlsMaterial', () => {
  it('re-joins a CA bundle whose blocks were concatenated without line breaks', async () => {
    const other = await createDevPki();
    const glued = `${pki.ca.cert.trimEnd()}${other.ca.cert.trimEnd()}`;
    const material = checkTlsMaterial({ ...pki.serverTls, ca: glued });
    expect(material.caCertificates).toHaveLength(2);
    expect(material.ca).toBe(`${pki.ca.cert}${other.ca.cert}`);
  });

  it('supports encrypted keys and says when the passphrase is missing or wrong', () => {
    const encrypted = createPrivateKey(pki.server.key)
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
      .toString();
    const ok = checkTlsMaterial({ ...pki.serverTls, key: encrypted, passphrase: 'correct horse' });
    expect(ok.keyDescription).toBe('EC prime256v1');
    expect(() => checkTlsMaterial({ ...pki.serverTls, key: encrypted })).toThrowError(
      /encrypted and no passphrase/,
    );
    expect(() => checkTlsMaterial({ ...pki.serverTls, key: encrypted, passphrase: 'wrong' })).toThrowError(
      /passphrase is wrong/,
    );
  });

  it('refuses an expired own certificate unless told otherwise', async () => {
    const expired = await pki.issue({
      kind: 'server',
      commonName: 'old',
      notBefore: new Date(Date.now() - 9 * HOUR),
      notAfter: new Date(Date.now() - HOUR),
    });
    const material = pki.tlsFor(expired);
    expect(() => checkTlsMaterial(material)).toThrowError(/option cert expired on/);
    expect(checkTlsMaterial(material, { allowExpired: true }).certificate.subject).toBe('CN=old');
  });

  it('enforces the D1 key types when asked', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as { publicKey: webcrypto.CryptoKey; privateKey: webcrypto.CryptoKey };
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=p384',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    });
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const key = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const material = { cert: cert.toString('pem'), key, ca: pki.ca.cert };
    expect(checkTlsMaterial(material).keyDescription).toBe('EC secp384r1');
    expect(() => checkTlsMaterial(material, { requireD1KeyType: true })).toThrowError(
      expect.objectContaining({
        code: 'MTLS_UNSUPPORTED_KEY',
        message: 'the key in option key is EC secp384r1; D1 accepts only ECDSA P-256 or RSA-4096',
      }),
    );
    expect(checkTlsMaterial(pki.clientTls, { requireD1KeyType: true }).keyDescription).toBe('EC prime256v1');
  });
});
