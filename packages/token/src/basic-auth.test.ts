import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from './basic-auth.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasicAuthorization', () => {
  it('decodes the contract example (is_tbank01:123)', () => {
    expect(parseBasicAuthorization('Basic aXNfdGJhbmswMToxMjM=')).toEqual({
      ok: true,
      clientId: 'is_tbank01',
      clientSecret: '123',
    });
  });

  it('accepts a lowercase scheme, unpadded base64 and the base64url alphabet', () => {
    const secret = 'p>?~~'; // encodes with + and / in standard base64
    const standard = b64(`client:${secret}`);
    expect(standard).toMatch(/[+/]/);
    const url = Buffer.from(`client:${secret}`).toString('base64url');
    for (const header of [`basic ${standard}`, `Basic ${standard.replace(/=+$/, '')}`, `Basic ${url}`]) {
      expect(parseBasicAuthorization(header)).toEqual({ ok: true, clientId: 'client', clientSecret: secret });
    }
  });

  it('splits at the first colon, so secrets may contain colons', () => {
    expect(parseBasicAuthorization(`Basic ${b64('id:a:b')}`)).toMatchObject({
      clientId: 'id',
      clientSecret: 'a:b',
    });
  });

  it.each([
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['a Bearer header', 'Bearer abc', 'scheme'],
    ['Basic without credentials', 'Basic', 'scheme'],
    ['Basic with two tokens', `Basic ${b64('a:b')} ${b64('c:d')}`, 'scheme'],
    ['characters outside base64', 'Basic a*b=', 'scheme'],
    ['non-canonical base64', 'Basic YWI6Y2=', 'encoding'],
    ['impossible base64 length', 'Basic YWI6Y', 'encoding'],
    ['no colon', `Basic ${b64('clientsecret')}`, 'format'],
    ['an empty secret', `Basic ${b64('client:')}`, 'format'],
    ['an empty client id', `Basic ${b64(':secret')}`, 'format'],
    ['non-ASCII credentials', `Basic ${b64('clíent:sécret')}`, 'encoding'],
    ['a control character', `Basic ${b64('client:se\ncret')}`, 'encoding'],
    ['a non-ASCII header', 'Basic ÿÿÿÿ', 'encoding'],
    ['an over-long header', `Basic ${'A'.repeat(5000)}`, 'encoding'],
    ['an array value', ['Basic x'], 'missing'],
  ])('refuses %s', (_name, header, reason) => {
    expect(parseBasicAuthorization(header)).toEqual({ ok: false, reason });
  });

  it('never throws and only succeeds with a non-empty id and secret', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Basic ${s}`),
          fc.string().map((s) => `Basic ${b64(s)}`),
        ),
        (header) => {
          const result = parseBasicAuthorization(header);
          if (result.ok) {
            expect(result.clientId.length).toBeGreaterThan(0);
            expect(result.clientSecret.length).toBeGreaterThan(0);
            expect(result.clientId).not.toContain(':');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
