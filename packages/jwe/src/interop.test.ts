import nodeJose from 'node-jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decrypt, encrypt } from './jwe.js';
import { CARD, createParty, decodeHeader, type TestParty } from './testing/fixtures.js';

// node-jose is what D1's own documentation samples use, so it stands in for D1 on the other end.
let issuer: TestParty;
beforeAll(async () => {
  issuer = await createParty();
});

const plaintext = JSON.stringify(CARD);

describe('interoperability with node-jose', () => {
  it('decrypts what node-jose encrypts to our public JWK', async () => {
    const peerView = await nodeJose.JWK.asKey({ ...issuer.pair.publicJwk });
    const jwe = await nodeJose.JWE.createEncrypt(
      { format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'ECDH-ES', kid: issuer.pair.kid } },
      peerView,
    )
      .update(Buffer.from(plaintext))
      .final();
    const out = await decrypt(jwe, issuer.keys);
    expect(new TextDecoder().decode(out.plaintext)).toBe(plaintext);
    expect(out.kid).toBe(issuer.pair.kid);
  });

  it('decrypts what node-jose encrypts to our public key given as PEM (as in the D1 samples)', async () => {
    const { createPublicKey } = await import('node:crypto');
    const pem = createPublicKey({ key: { ...issuer.pair.publicJwk }, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const peerView = await nodeJose.JWK.asKey(String(pem), 'pem');
    const jwe = await nodeJose.JWE.createEncrypt(
      { format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'ECDH-ES', kid: issuer.pair.kid } },
      peerView,
    )
      .update(Buffer.from(plaintext))
      .final();
    expect(new TextDecoder().decode((await decrypt(jwe, issuer.keys)).plaintext)).toBe(plaintext);
  });

  it('produces JWEs node-jose decrypts, with the header node-jose reports', async () => {
    const store = nodeJose.JWK.createKeyStore();
    await store.add({ ...issuer.pair.privateJwk });
    const jwe = await encrypt(plaintext, issuer.recipient);
    const result = await nodeJose.JWE.createDecrypt(store).decrypt(jwe);
    expect(result.plaintext.toString('utf8')).toBe(plaintext);
    expect(result.header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid: issuer.pair.kid });
  });

  it("refuses node-jose's defaults where they leave the profile (A128CBC-HS256, ECDH-ES+A128KW)", async () => {
    const peerView = await nodeJose.JWK.asKey({ ...issuer.pair.publicJwk });
    const cbc = await nodeJose.JWE.createEncrypt({ format: 'compact', fields: { alg: 'ECDH-ES' } }, peerView)
      .update(Buffer.from(plaintext))
      .final();
    expect(decodeHeader(cbc).enc).toBe('A128CBC-HS256');
    await expect(decrypt(cbc, issuer.keys)).rejects.toMatchObject({ code: 'JWE_ENC_NOT_ALLOWED' });
    const { alg: _alg, ...anyAlg } = issuer.pair.publicJwk;
    const wrapped = await nodeJose.JWE.createEncrypt(
      { format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'ECDH-ES+A128KW', kid: issuer.pair.kid } },
      await nodeJose.JWK.asKey(anyAlg),
    )
      .update(Buffer.from(plaintext))
      .final();
    await expect(decrypt(wrapped, issuer.keys)).rejects.toMatchObject({ code: 'JWE_ALG_NOT_ALLOWED' });
  });
});
