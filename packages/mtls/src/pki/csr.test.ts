import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x509 } from '../x509.js';
import { createD1Csr, type D1Csr, type D1CsrOptions } from './csr.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const subject = {
  country: 'FR',
  state: 'Île-de-France',
  locality: 'Paris',
  organization: 'Banque Exemple',
  organizationalUnit: 'Card Issuing',
};
const base: D1CsrOptions = { issuerId: 'BANKFR0001', environment: 'PPR', subject };
let dir: string;
let ecCsr: D1Csr;
let rsaCsr: D1Csr;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-mtls-csr-'));
  // RSA-4096 is D1's first-listed type and the default; generated once for the file.
  [ecCsr, rsaCsr] = await Promise.all([
    createD1Csr({ ...base, keyType: 'P-256' }),
    createD1Csr({ ...base, environment: 'PRD' }),
  ]);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createD1Csr', () => {
  it('carries C, ST, L, O, OU and the D1 CN, signed with SHA-256', () => {
    const request = new x509.Pkcs10CertificateRequest(ecCsr.csr);
    expect(request.subject).toBe(
      'C=FR, ST=Île-de-France, L=Paris, O=Banque Exemple, OU=Card Issuing, CN=D1-BANKFR0001-PPR',
    );
    expect(request.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(ecCsr.commonName).toBe('D1-BANKFR0001-PPR');
    expect(createPrivateKey(ecCsr.key).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('defaults to an RSA-4096 key', async () => {
    const request = new x509.Pkcs10CertificateRequest(rsaCsr.csr);
    expect(rsaCsr.keyType).toBe('RSA-4096');
    expect(request.signatureAlgorithm).toMatchObject({
      name: 'RSASSA-PKCS1-v1_5',
      hash: { name: 'SHA-256' },
    });
    expect(createPrivateKey(rsaCsr.key).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(await request.verify()).toBe(true);
  });

  it('follows a configured CN template', async () => {
    const csr = await createD1Csr({
      ...base,
      keyType: 'P-256',
      commonNameFormat: 'TLSMA-RSA/{issuerId}-{env}',
    });
    expect(new x509.Pkcs10CertificateRequest(csr.csr).subjectName.getField('CN')).toEqual([
      'TLSMA-RSA/BANKFR0001-PPR',
    ]);
  });

  it.skipIf(!hasOpenssl)('verifies with openssl req -verify', async () => {
    for (const [name, csr] of [
      ['ec', ecCsr],
      ['rsa', rsaCsr],
    ] as const) {
      const path = join(dir, `${name}.csr`);
      await writeFile(path, csr.csr);
      const result = spawnSync(
        'openssl',
        ['req', '-verify', '-noout', '-in', path, '-nameopt', 'utf8,sep_comma_plus'],
        { encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(/verify OK/i);
      const text = spawnSync(
        'openssl',
        ['req', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus', '-in', path],
        { encoding: 'utf8' },
      );
      expect(text.stdout).toContain(`CN=D1-BANKFR0001-${name === 'ec' ? 'PPR' : 'PRD'}`);
      expect(text.stdout).toContain('ST=Île-de-France');
    }
    // A tampered request must fail the same check.
    const body = ecCsr.csr.split('\n');
    body[3] = body[3]!.replace(/[A-Z]/, (c) => (c === 'A' ? 'B' : 'A'));
    await writeFile(join(dir, 'bad.csr'), body.join('\n'));
    expect(spawnSync('openssl', ['req', '-verify', '-noout', '-in', join(dir, 'bad.csr')]).status).not.toBe(
      0,
    );
  });

  it('refuses bad input with typed errors', async () => {
    const cases: [Partial<D1CsrOptions>, string][] = [
      [{ issuerId: 'SHORT' }, 'MTLS_INVALID_COMMON_NAME'],
      [{ issuerId: 'BANK FR 01' }, 'MTLS_INVALID_COMMON_NAME'],
      [{ environment: 'DEV' as 'PPR' }, 'MTLS_INVALID_COMMON_NAME'],
      [
        { subject: { ...subject, organizationalUnit: undefined as unknown as string } },
        'MTLS_INVALID_SUBJECT',
      ],
      [{ subject: { ...subject, country: 'fr' } }, 'MTLS_INVALID_SUBJECT'],
      [{ subject: { ...subject, locality: ' Paris' } }, 'MTLS_INVALID_SUBJECT'],
      [{ subject: { ...subject, organization: 'x'.repeat(65) } }, 'MTLS_INVALID_SUBJECT'],
      [{ subject: { ...subject, state: 'a\u0000b' } }, 'MTLS_INVALID_SUBJECT'],
      [{ keyType: 'RSA-2048' as 'P-256' }, 'MTLS_UNSUPPORTED_KEY'],
      [{ commonNameFormat: '{issuerId}' }, 'MTLS_INVALID_OPTIONS'],
    ];
    for (const [override, code] of cases) {
      await expect(
        createD1Csr({ ...base, keyType: 'P-256', ...override }),
        JSON.stringify(override),
      ).rejects.toMatchObject({ code });
    }
  });
});
