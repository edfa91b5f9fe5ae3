import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClientCertAuthorizer, d1CommonNameRule } from './authorizer.js';
import {
  type ClientIdentity,
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  identityFromCertificate,
} from './identity.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';

let pki: DevPki;
let partner: ClientIdentity;
let noEku: ClientIdentity;
let serverOnly: ClientIdentity;
let both: ClientIdentity;

const identityOf = (pem: string) => identityFromCertificate(new X509Certificate(pem));

beforeAll(async () => {
  pki = await createDevPki();
  const issued = await Promise.all([
    pki.issue({
      kind: 'client',
      commonName: 'partner',
      subject: { country: 'FR', organization: 'Bank, S.A.', organizationalUnit: 'Cards' },
      subjectAltNames: [
        'DNS:Partner.Example',
        'IP:::1',
        'URI:spiffe://bank/partner',
        'email:ops@bank.example',
      ],
    }),
    pki.issue({ kind: 'client', commonName: 'partner', extendedKeyUsages: [] }),
    pki.issue({ kind: 'client', commonName: 'partner', extendedKeyUsages: [EKU_SERVER_AUTH] }),
    pki.issue({
      kind: 'client',
      commonName: 'partner',
      extendedKeyUsages: [EKU_SERVER_AUTH, EKU_CLIENT_AUTH],
    }),
  ]);
  [partner, noEku, serverOnly, both] = issued.map((item) => identityOf(item.cert)) as [
    ClientIdentity,
    ClientIdentity,
    ClientIdentity,
    ClientIdentity,
  ];
});

describe('identityFromCertificate', () => {
  it('reads subject, SANs, EKUs and a normalized fingerprint', () => {
    expect(partner.commonName).toBe('partner');
    expect(partner.subject).toBe('C=FR, O=Bank\\, S.A., OU=Cards, CN=partner');
    expect(partner.subjectAltNames).toEqual([
      'DNS:partner.example',
      'IP:::1',
      'URI:spiffe://bank/partner',
      'email:ops@bank.example',
    ]);
    expect(partner.extendedKeyUsages).toEqual([EKU_CLIENT_AUTH]);
    expect(noEku.extendedKeyUsages).toBeUndefined();
    expect(partner.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
    expect(partner.issuer).toBe('O=d1kit dev, CN=d1kit dev CA');
  });
});

describe('identity cache', () => {
  it('hands out independent, immutable identities for the same certificate', () => {
    const first = identityOf(pki.client.cert);
    first.validTo.setTime(0);
    const second = identityOf(pki.client.cert);
    expect(second.validTo.getTime()).not.toBe(0);
    expect(second.fingerprint256).toBe(first.fingerprint256);
    expect(Object.isFrozen(second.subjectAltNames)).toBe(true);
    expect(() =>
      (second.subjectAttributes as { type: string; value: string }[]).push({ type: 'O', value: 'x' }),
    ).toThrow(TypeError);
  });
});

describe('createClientCertAuthorizer', () => {
  it('matches by fingerprint in any common spelling', () => {
    const colons = partner.fingerprint256.toUpperCase().match(/../g)!.join(':');
    const result = createClientCertAuthorizer({ fingerprints: [colons] }).authorize(partner);
    expect(result).toMatchObject({ ok: true, client: { matchedBy: 'fingerprint' } });
    expect(createClientCertAuthorizer({ fingerprints: ['00'.repeat(32)] }).authorize(partner).ok).toBe(false);
  });

  it('matches a subject DN whatever the attribute order, but every attribute must match', () => {
    const reordered = createClientCertAuthorizer({
      subjects: ['CN=partner, OU=Cards, O=Bank\\, S.A., C=FR'],
    });
    expect(reordered.authorize(partner)).toMatchObject({ ok: true, client: { matchedBy: 'subject' } });
    const partial = createClientCertAuthorizer({ subjects: ['CN=partner, C=FR'] });
    expect(partial.authorize(partner)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED',
    });
    const otherValue = createClientCertAuthorizer({
      subjects: ['CN=partner, OU=cards, O=Bank\\, S.A., C=FR'],
    });
    expect(otherValue.authorize(partner).ok).toBe(false);
  });

  it('matches by CN exactly', () => {
    expect(createClientCertAuthorizer({ commonNames: ['partner'] }).authorize(partner).ok).toBe(true);
    expect(createClientCertAuthorizer({ commonNames: ['Partner'] }).authorize(partner).ok).toBe(false);
  });

  it('matches SANs: DNS case-insensitively, IPv6 in any spelling, URIs exactly', () => {
    for (const san of [
      'DNS:PARTNER.example',
      'ip:0:0:0:0:0:0:0:1',
      'URI:spiffe://bank/partner',
      'email:ops@bank.example',
    ]) {
      expect(createClientCertAuthorizer({ subjectAltNames: [san] }).authorize(partner), san).toMatchObject({
        ok: true,
        client: { matchedBy: 'subjectAltName' },
      });
    }
    expect(
      createClientCertAuthorizer({ subjectAltNames: ['URI:spiffe://BANK/partner'] }).authorize(partner).ok,
    ).toBe(false);
  });

  it('requires the clientAuth EKU by default and never admits a serverAuth-only certificate', () => {
    const strict = createClientCertAuthorizer({ commonNames: ['partner'] });
    expect(strict.authorize(noEku)).toMatchObject({ ok: false, refusal: 'CLIENT_CERTIFICATE_WRONG_USAGE' });
    expect(strict.authorize(serverOnly)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_WRONG_USAGE',
    });
    expect(strict.authorize(both).ok).toBe(true);
    const lenient = createClientCertAuthorizer({ commonNames: ['partner'], requireClientAuthEku: false });
    expect(lenient.authorize(noEku).ok).toBe(true);
    expect(lenient.authorize(serverOnly)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_WRONG_USAGE',
    });
  });

  it('refuses an admitted certificate once it has expired (long-lived keep-alive connections)', () => {
    const authorizer = createClientCertAuthorizer({ commonNames: ['partner'] });
    const later = new Date(partner.validTo.getTime() + 1000);
    expect(authorizer.authorize(partner, later)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_EXPIRED',
    });
  });

  it('runs custom rules in order and reports which one admitted', () => {
    const seen: string[] = [];
    const authorizer = createClientCertAuthorizer({
      rules: [
        {
          name: 'never',
          match: () => {
            seen.push('never');
            return false;
          },
        },
        {
          name: 'org',
          match: (id) => {
            seen.push('org');
            return id.subjectAttributes.some((a) => a.type === 'O' && a.value === 'Bank, S.A.');
          },
        },
      ],
    });
    expect(authorizer.authorize(partner)).toMatchObject({ ok: true, client: { matchedBy: 'rule:org' } });
    expect(seen).toEqual(['never', 'org']);
  });

  it('fails closed when a rule throws or a peer certificate cannot be parsed', () => {
    const authorizer = createClientCertAuthorizer({
      rules: [
        {
          name: 'broken',
          match: () => {
            throw new Error('bug');
          },
        },
      ],
    });
    expect(authorizer.authorize(partner)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED',
    });
    const oddSocket = { authorized: true, getPeerX509Certificate: () => ({ raw: Buffer.from('not DER') }) };
    expect(authorizer.authorizeSocket(oddSocket as never)).toMatchObject({
      ok: false,
      refusal: 'CLIENT_CERTIFICATE_UNREADABLE',
    });
    const plainSocket = { remoteAddress: '127.0.0.1' };
    expect(authorizer.authorizeSocket(plainSocket as never)).toMatchObject({
      refusal: 'CLIENT_CERTIFICATE_REQUIRED',
    });
  });

  it('refuses policies that are empty or malformed, at construction', () => {
    const bad = [
      {},
      { fingerprints: ['abc'] },
      { subjects: ['/C=FR/O=Bank/CN=x'] },
      { subjects: [''] },
      { subjectAltNames: ['partner.example'] },
      { subjectAltNames: ['IP:999.1.1.1'] },
      { rules: [{ name: 'x' }] },
    ];
    for (const policy of bad) {
      expect(() => createClientCertAuthorizer(policy as never), JSON.stringify(policy)).toThrowError(
        expect.objectContaining({ code: 'MTLS_INVALID_OPTIONS' }),
      );
    }
  });
});

describe('d1CommonNameRule', () => {
  const identityWithCn = (commonName: string): ClientIdentity => ({ ...partner, commonName });

  it('admits D1-format CNs and exposes issuerId and environment', () => {
    const authorizer = createClientCertAuthorizer({ rules: [d1CommonNameRule()] });
    expect(authorizer.authorize(identityWithCn('D1-ABCDEFGHIJ-PRD'))).toMatchObject({
      ok: true,
      client: { matchedBy: 'rule:d1-common-name', d1: { issuerId: 'ABCDEFGHIJ', environment: 'PRD' } },
    });
    expect(authorizer.authorize(identityWithCn('partner')).ok).toBe(false);
  });

  it('narrows by issuerId, environment and template', () => {
    const rule = d1CommonNameRule({
      issuerIds: ['ABCDEFGHIJ'],
      environments: ['PPR'],
      format: 'TLSMA-RSA/{issuerId}-{env}',
    });
    const authorizer = createClientCertAuthorizer({ rules: [rule] });
    expect(authorizer.authorize(identityWithCn('TLSMA-RSA/ABCDEFGHIJ-PPR')).ok).toBe(true);
    expect(authorizer.authorize(identityWithCn('TLSMA-RSA/ABCDEFGHIJ-PRD')).ok).toBe(false);
    expect(authorizer.authorize(identityWithCn('TLSMA-RSA/ZZZZZZZZZZ-PPR')).ok).toBe(false);
    expect(authorizer.authorize(identityWithCn('D1-ABCDEFGHIJ-PPR')).ok).toBe(false);
  });

  it('refuses malformed rule options', () => {
    expect(() => d1CommonNameRule({ issuerIds: ['short'] })).toThrowError(/10 characters/);
    expect(() => d1CommonNameRule({ environments: ['DEV' as 'PPR'] })).toThrowError(/PPR and PRD/);
    expect(() => d1CommonNameRule({ format: '{issuerId}' })).toThrowError(
      expect.objectContaining({ code: 'MTLS_INVALID_OPTIONS' }),
    );
  });
});
