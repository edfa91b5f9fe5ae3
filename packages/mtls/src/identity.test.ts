import { webcrypto, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClientCertAuthorizer, d1CommonNameRule } from './authorizer.js';
import { EKU_CLIENT_AUTH, identityFromCertificate } from './identity.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';
import { x509 } from './x509.js';

let pki: DevPki;

beforeAll(async () => {
  pki = await createDevPki();
});

/** A client certificate from the dev CA with a subject written as given (issueCertificate allows one CN). */
async function certificateWith(subject: Record<string, string[]>[]): Promise<X509Certificate> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject,
    issuer: pki.ca.certificate.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    publicKey: keys.publicKey,
    signingKey: pki.ca.signingKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.ExtendedKeyUsageExtension([EKU_CLIENT_AUTH])],
  });
  return new X509Certificate(certificate.toString('pem'));
}

describe('certificates with more than one CN', () => {
  // Implementations disagree on which CN counts (OpenSSL-based code often takes the last, others the
  // first), so a CA that copies a requested subject could hand out `CN=anything, CN=<allowed>`.
  it.each([
    ['two RDNs', [{ CN: ['someone-else'] }, { CN: ['D1-BANKFR0001-PPR'] }]],
    ['one multi-valued RDN', [{ CN: ['someone-else', 'D1-BANKFR0001-PPR'] }]],
    ['the allowed CN first', [{ CN: ['D1-BANKFR0001-PPR'] }, { CN: ['someone-else'] }]],
  ])('have no commonName and match no CN entry or D1 CN rule (%s)', async (_name, subject) => {
    const identity = identityFromCertificate(await certificateWith(subject));
    expect(identity.commonName).toBeUndefined();
    expect(identity.subjectAttributes.filter((attribute) => attribute.type === 'CN')).toHaveLength(2);
    const byName = createClientCertAuthorizer({ commonNames: ['D1-BANKFR0001-PPR'] });
    const byRule = createClientCertAuthorizer({ rules: [d1CommonNameRule()] });
    expect(byName.authorize(identity)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED',
    });
    expect(byRule.authorize(identity)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED',
    });
  });

  it('still match an exact subject DN entry, which lists every attribute', async () => {
    const identity = identityFromCertificate(
      await certificateWith([{ CN: ['someone-else'] }, { CN: ['D1-BANKFR0001-PPR'] }]),
    );
    const authorizer = createClientCertAuthorizer({ subjects: ['CN=someone-else, CN=D1-BANKFR0001-PPR'] });
    expect(authorizer.authorize(identity)).toMatchObject({ ok: true, client: { matchedBy: 'subject' } });
  });
});

describe('values that look like DN or wildcard syntax are compared as plain text', () => {
  it('a CN holding ", O=Bank, C=FR" or "/CN=partner" is not those attributes', async () => {
    const commaCn = identityFromCertificate(await certificateWith([{ CN: ['evil, O=Bank, C=FR'] }]));
    const slashCn = identityFromCertificate(await certificateWith([{ CN: ['x/CN=partner'] }]));
    expect(commaCn.subject).toBe('CN=evil\\, O=Bank\\, C=FR');
    const policy = createClientCertAuthorizer({
      subjects: ['CN=evil, O=Bank, C=FR'],
      commonNames: ['partner', 'evil'],
    });
    expect(policy.authorize(commaCn).ok).toBe(false);
    expect(policy.authorize(slashCn).ok).toBe(false);
    const exact = createClientCertAuthorizer({ subjects: ['CN=evil\\, O=Bank\\, C=FR'] });
    expect(exact.authorize(commaCn).ok).toBe(true);
  });

  it('a wildcard SAN is not expanded on either side', async () => {
    const wildcard = await pki.issue({
      kind: 'client',
      commonName: 'w',
      subjectAltNames: ['DNS:*.bank.example'],
    });
    const exact = await pki.issue({
      kind: 'client',
      commonName: 'e',
      subjectAltNames: ['DNS:a.bank.example'],
    });
    const byName = createClientCertAuthorizer({ subjectAltNames: ['DNS:a.bank.example'] });
    const byPattern = createClientCertAuthorizer({ subjectAltNames: ['DNS:*.bank.example'] });
    const of = (pem: string) => identityFromCertificate(new X509Certificate(pem));
    expect(byName.authorize(of(wildcard.cert)).ok).toBe(false);
    expect(byPattern.authorize(of(exact.cert)).ok).toBe(false);
    expect(byPattern.authorize(of(wildcard.cert)).ok).toBe(true);
  });
});
