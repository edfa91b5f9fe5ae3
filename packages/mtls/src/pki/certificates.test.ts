import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKU_CLIENT_AUTH, EKU_SERVER_AUTH } from '../identity.js';
import { x509 } from '../x509.js';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
  issueCertificate,
  loadCertificateAuthority,
} from './certificates.js';
import { createDevPki, type DevPki } from './dev-pki.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
let dir: string;
let pki: DevPki;
// One RSA-4096 CA and one RSA-4096 server key for the whole file: each takes seconds to generate.
let rsaCa: CertificateAuthority;
let rsaServer: IssuedCertificate;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-mtls-pki-'));
  pki = await createDevPki();
  rsaCa = await createCertificateAuthority({ keyType: 'RSA-4096', commonName: 'd1kit RSA CA' });
  rsaServer = await issueCertificate(rsaCa, { kind: 'server', commonName: 'localhost', keyType: 'RSA-4096' });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function extensions(pem: string) {
  const cert = new x509.X509Certificate(pem);
  return {
    cert,
    basic: cert.getExtension(x509.BasicConstraintsExtension),
    usage: cert.getExtension(x509.KeyUsagesExtension),
    eku: cert.getExtension(x509.ExtendedKeyUsageExtension),
    san: cert.getExtension(x509.SubjectAlternativeNameExtension),
  };
}

function openssl(args: string[]): { status: number | null; out: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('dev CA and certificates', () => {
  it('makes a CA limited to signing certificates', () => {
    const { cert, basic, usage } = extensions(pki.ca.cert);
    expect([basic?.ca, basic?.pathLength, basic?.critical]).toEqual([true, 0, true]);
    expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(usage?.critical).toBe(true);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  it('makes server certificates for localhost with serverAuth and client certificates with clientAuth', () => {
    const server = extensions(pki.server.cert);
    expect(server.basic?.ca).toBe(false);
    expect(server.usage?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(server.eku?.usages).toEqual([EKU_SERVER_AUTH]);
    expect(server.san?.names.toJSON()).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    const client = extensions(pki.client.cert);
    expect(client.eku?.usages).toEqual([EKU_CLIENT_AUTH]);
    expect(client.san).toBeNull();
    expect(new X509Certificate(pki.server.cert).checkHost('localhost')).toBe('localhost');
    expect(new X509Certificate(pki.server.cert).checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('uses random positive serial numbers and back-dates notBefore a little', async () => {
    const serials = new Set(
      [pki.ca, pki.server, pki.client].map((item) => new X509Certificate(item.cert).serialNumber),
    );
    expect(serials.size).toBe(3);
    for (const serial of serials) expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
    const notBefore = new Date(new X509Certificate(pki.client.cert).validFrom).getTime();
    expect(notBefore).toBeLessThan(Date.now());
  });

  it('signs RSA-4096 with SHA-256 and adds keyEncipherment to RSA server keys', () => {
    const { cert, usage } = extensions(rsaServer.cert);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
    expect(usage?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(new X509Certificate(rsaServer.cert).publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it.skipIf(!hasOpenssl)('passes openssl verify with the right purposes, P-256 and RSA-4096', async () => {
    await Promise.all([
      writeFile(join(dir, 'ca.pem'), pki.ca.cert),
      writeFile(join(dir, 'server.pem'), pki.server.cert),
      writeFile(join(dir, 'client.pem'), pki.client.cert),
      writeFile(join(dir, 'rsa-ca.pem'), rsaCa.cert),
      writeFile(join(dir, 'rsa-server.pem'), rsaServer.cert),
    ]);
    const ca = join(dir, 'ca.pem');
    expect(
      openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'server.pem')]),
    ).toMatchObject({ status: 0 });
    expect(
      openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'client.pem')]),
    ).toMatchObject({ status: 0 });
    const rsa = openssl([
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-CAfile',
      join(dir, 'rsa-ca.pem'),
      join(dir, 'rsa-server.pem'),
    ]);
    expect(rsa).toMatchObject({ status: 0 });
    // And openssl does refuse what it should: a server certificate used as a client one, and a foreign CA.
    expect(
      openssl(['verify', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'server.pem')]).status,
    ).not.toBe(0);
    expect(openssl(['verify', '-CAfile', join(dir, 'rsa-ca.pem'), join(dir, 'client.pem')]).status).not.toBe(
      0,
    );
  });

  it('refuses bad issue options with typed errors', async () => {
    const bad = [
      { kind: 'server', commonName: 'x', subjectAltNames: [] },
      { kind: 'server', commonName: 'x', subjectAltNames: ['DNS:bad_name!'] },
      { kind: 'client', commonName: 'x', subjectAltNames: ['URI:not a uri'] },
      { kind: 'both', commonName: 'x' },
      { kind: 'client', commonName: 'x', validityDays: 0 },
      { kind: 'client', commonName: 'x', notBefore: new Date(2030, 0, 1), notAfter: new Date(2029, 0, 1) },
    ];
    for (const options of bad) {
      await expect(issueCertificate(pki.ca, options as never), JSON.stringify(options)).rejects.toMatchObject(
        {
          code: 'MTLS_INVALID_OPTIONS',
        },
      );
    }
    await expect(
      issueCertificate(pki.ca, { kind: 'client', commonName: 'x'.repeat(65) }),
    ).rejects.toMatchObject({
      code: 'MTLS_INVALID_SUBJECT',
    });
    await expect(
      issueCertificate(pki.ca, { kind: 'client', commonName: 'x', subject: { country: 'France' } }),
    ).rejects.toMatchObject({
      code: 'MTLS_INVALID_SUBJECT',
    });
  });
});

describe('loadCertificateAuthority', () => {
  it('reloads a CA from PEM and issues certificates that chain to it', async () => {
    const ca = await loadCertificateAuthority({ cert: pki.ca.cert, key: pki.ca.key });
    const issued = await issueCertificate(ca, { kind: 'client', commonName: 'again' });
    expect(new X509Certificate(issued.cert).verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(true);
    expect(new X509Certificate(issued.cert).checkIssued(new X509Certificate(pki.ca.cert))).toBe(true);
  });

  it('refuses a leaf as CA, a foreign key, and garbage, naming the input', async () => {
    await expect(
      loadCertificateAuthority(
        { cert: pki.server.cert, key: pki.server.key },
        { cert: 'a.pem', key: 'a.key' },
      ),
    ).rejects.toMatchObject({
      code: 'MTLS_FILE_INVALID',
      message: 'a.pem is not a CA certificate',
    });
    await expect(
      loadCertificateAuthority(
        { cert: pki.ca.cert, key: pki.client.key },
        { cert: 'ca.pem', key: 'other.key' },
      ),
    ).rejects.toMatchObject({
      code: 'MTLS_KEY_CERT_MISMATCH',
      message: 'the key in other.key does not belong to ca.pem',
    });
    await expect(loadCertificateAuthority({ cert: 'nope', key: pki.ca.key })).rejects.toMatchObject({
      code: 'MTLS_FILE_INVALID',
    });
    await expect(loadCertificateAuthority({ cert: pki.ca.cert, key: 'nope' })).rejects.toMatchObject({
      code: 'MTLS_FILE_INVALID',
    });
  });
});
