import { createPrivateKey } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkTlsMaterial } from './material.js';
import {
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
} from './pki/certificates.js';
import { createD1Csr } from './pki/csr.js';
import { createDevPki } from './pki/dev-pki.js';
import { generateKeyPair } from './pki/keys.js';

const PASSPHRASE = 'correct horse battery';

/** Every way an object commonly ends up in a log line. */
function expectRedacted(value: unknown): void {
  for (const text of [JSON.stringify(value), inspect(value), inspect({ nested: value }, { depth: 5 })]) {
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(PASSPHRASE);
    expect(text).toContain('[redacted]');
  }
}

describe('private keys are redacted when logged, but stay readable for code', () => {
  it('dev PKI, CA, issued certificates and key pairs', async () => {
    const pki = await createDevPki();
    for (const value of [pki, pki.ca, pki.server, pki.client, pki.serverTls, pki.clientTls]) {
      expectRedacted(value);
    }
    expect(pki.serverTls.key).toContain('PRIVATE KEY');
    const ca = await createCertificateAuthority();
    const loaded = await loadCertificateAuthority({ cert: ca.cert, key: ca.key });
    const issued = await issueCertificate(loaded, { kind: 'client', commonName: 'c' });
    const pair = await generateKeyPair();
    for (const value of [ca, loaded, issued, pair]) expectRedacted(value);
    expect(pair.privateKeyPem).toContain('PRIVATE KEY');
  });

  it('checked TLS material, including its passphrase', async () => {
    const pki = await createDevPki();
    const encrypted = createPrivateKey(pki.server.key)
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
      .toString();
    const material = checkTlsMaterial({ ...pki.serverTls, key: encrypted, passphrase: PASSPHRASE });
    expectRedacted(material);
    expect(material.passphrase).toBe(PASSPHRASE);
    expect(material.key).toContain('PRIVATE KEY');
    expect(inspect(material)).toContain('BEGIN CERTIFICATE'); // the public parts still show
  });

  it('the onboarding CSR result', async () => {
    const result = await createD1Csr({
      issuerId: 'BANKFR0001',
      environment: 'PPR',
      keyType: 'P-256',
      subject: {
        country: 'FR',
        state: 'IDF',
        locality: 'Paris',
        organization: 'Bank',
        organizationalUnit: 'Cards',
      },
    });
    expectRedacted(result);
    expect(result.csr).toContain('CERTIFICATE REQUEST');
  });
});
