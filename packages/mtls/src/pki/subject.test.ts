import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { x509 } from '../x509.js';
import { createCertificateAuthority, issueCertificate } from './certificates.js';
import { createD1Csr } from './csr.js';

/** The DER of one attribute value: a string type tag, a short length, the UTF-8 bytes. */
function encodedValue(tag: 'printable' | 'utf8', text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([tag === 'printable' ? 0x13 : 0x0c, bytes.length]), bytes]);
}

describe('subject values are encoded literally', () => {
  // @peculiar/x509 reads `#hex` as raw DER and strips quotes and backslash escapes in name values,
  // which would put something other than what the operator typed into the CSR sent to Thales.
  const tricky = {
    country: 'FR',
    state: '"Quoted" State',
    locality: 'Back\\0aslash',
    organization: '#0403414243',
    organizationalUnit: 'Cards, O=Other',
  };

  it('in the onboarding CSR', async () => {
    const { csr } = await createD1Csr({
      issuerId: 'BANKFR0001',
      environment: 'PPR',
      keyType: 'P-256',
      subject: tricky,
    });
    const name = Buffer.from(new x509.Pkcs10CertificateRequest(csr).subjectName.toArrayBuffer());
    expect(name.includes(encodedValue('printable', 'FR'))).toBe(true);
    expect(name.includes(encodedValue('utf8', tricky.state))).toBe(true);
    expect(name.includes(encodedValue('utf8', tricky.locality))).toBe(true);
    expect(name.includes(encodedValue('utf8', tricky.organization))).toBe(true);
    expect(name.includes(encodedValue('printable', tricky.organizationalUnit))).toBe(true);
    expect(name.includes(encodedValue('printable', 'D1-BANKFR0001-PPR'))).toBe(true);
  });

  it('in issued certificates, as Node reads them back', async () => {
    const ca = await createCertificateAuthority({ subject: { organization: '#00' } });
    const issued = await issueCertificate(ca, { kind: 'client', commonName: 'x\\0ay "q"' });
    const certificate = new x509.X509Certificate(issued.cert);
    expect(certificate.subjectName.getField('CN')).toEqual(['x\\0ay "q"']);
    expect(Buffer.from(certificate.issuerName.toArrayBuffer()).includes(encodedValue('utf8', '#00'))).toBe(
      true,
    );
    expect(new X509Certificate(issued.cert).checkIssued(new X509Certificate(ca.cert))).toBe(true);
  });
});
