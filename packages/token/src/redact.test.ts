import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from './basic-auth.js';
import { fakeFetch, tokenReply } from './test-support/fake-fetch.js';
import { createTokenProvider } from './token-provider.js';
import { parseInboundTokenResponse } from './token-response.js';

const SECRET = 'eyJhbGciOiJFUzI1NiJ9.very-secret-access-token.sig';

/** Every way an object commonly ends up in a log line. */
function rendered(value: unknown): string[] {
  return [
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect({ nested: value }),
  ];
}

describe('secrets are redacted when logged, but stay readable for code', () => {
  it('a D1 access token from the provider', async () => {
    const tokens = createTokenProvider({
      signer: { sign: async () => 'assertion' },
      tokenUrl: 'https://d1.test/token',
      fetch: fakeFetch(() => tokenReply(SECRET)),
    });
    const token = await tokens.getToken();
    expect(token.accessToken).toBe(SECRET);
    for (const text of rendered(token)) {
      expect(text).not.toContain('very-secret');
      expect(text).toContain('[redacted]');
    }
    expect(JSON.parse(JSON.stringify(token))).toMatchObject({
      tokenType: 'Bearer',
      accessToken: '[redacted]',
    });
  });

  it('a parsed token response', () => {
    const parsed = parseInboundTokenResponse(JSON.stringify({ access_token: SECRET }));
    expect(parsed.accessToken).toBe(SECRET);
    for (const text of rendered(parsed)) expect(text).not.toContain('very-secret');
  });

  it('parsed Basic credentials', () => {
    const header = `Basic ${Buffer.from('d1-client:very-secret-pw').toString('base64')}`;
    const credentials = parseBasicAuthorization(header);
    expect(credentials).toMatchObject({ ok: true, clientId: 'd1-client', clientSecret: 'very-secret-pw' });
    for (const text of rendered(credentials)) {
      expect(text).not.toContain('very-secret');
      expect(text).toContain('d1-client');
    }
  });
});
