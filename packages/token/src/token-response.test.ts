import { describe, expect, it } from 'vitest';
import { TokenError } from './errors.js';
import { parseInboundTokenResponse } from './token-response.js';

const parse = (body: unknown) => parseInboundTokenResponse(JSON.stringify(body));

describe('parseInboundTokenResponse', () => {
  it('reads the IN-v1-Auth2 shape with a numeric expires_in', () => {
    expect(
      parse({
        access_token: 'abc.def.ghi',
        expires_in: 900,
        scope: 'd1-api:account:full',
        token_type: 'Bearer',
      }),
    ).toEqual({
      accessToken: 'abc.def.ghi',
      tokenType: 'Bearer',
      expiresInSeconds: 900,
      scope: 'd1-api:account:full',
    });
  });

  it('tolerates a string expires_in, a lowercase token type and missing optional fields', () => {
    expect(parse({ access_token: 't', expires_in: '900', token_type: 'bearer' }).expiresInSeconds).toBe(900);
    expect(parse({ access_token: 't', extra: { ignored: true } })).toEqual({
      accessToken: 't',
      tokenType: 'Bearer',
      expiresInSeconds: undefined,
      scope: undefined,
    });
  });

  it.each([
    ['not JSON', 'oops', 'json'],
    ['a JSON array', '[]', 'json'],
    ['no access_token', '{"expires_in":900}', 'access_token'],
    ['an access_token with a line break', '{"access_token":"a\\r\\nSet-Cookie: x"}', 'access_token'],
    ['an empty access_token', '{"access_token":""}', 'access_token'],
    ['another token type', '{"access_token":"t","token_type":"MAC"}', 'token_type'],
    ['a zero expires_in', '{"access_token":"t","expires_in":0}', 'expires_in'],
    ['a negative expires_in', '{"access_token":"t","expires_in":-1}', 'expires_in'],
    ['a non-numeric expires_in', '{"access_token":"t","expires_in":"15m"}', 'expires_in'],
  ])('refuses %s', (_name, text, reason) => {
    try {
      parseInboundTokenResponse(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TokenError);
      expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', reason });
      expect((error as Error).message).not.toContain('Set-Cookie');
    }
  });
});
