import { inspect } from 'node:util';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAssertionSigner } from './assertion.js';
import { TokenError } from './errors.js';
import { deferred, fakeFetch, json, tokenReply } from './test-support/fake-fetch.js';
import { p256 } from './test-support/keys.js';
import { createTokenProvider, type TokenProviderOptions } from './token-provider.js';
import type { FetchLikeResponse } from './token-request.js';

const realSigner = createAssertionSigner({ issuerId: 'ISSUER0001', key: p256('k1'), environment: 'staging' });
/** Resolves without real crypto, so fake timers fully control the retry tests. */
let signed = 0;
const signer = {
  sign: async () =>
    `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(`assertion-${++signed}`).toString('base64url')}.${'s'.repeat(86)}`,
};
const URL_ = 'https://127.0.0.1:9/authz/v1/oauth2/token';

function provider(fetch: TokenProviderOptions['fetch'], extra: Partial<TokenProviderOptions> = {}) {
  return createTokenProvider({ signer, tokenUrl: URL_, fetch, random: () => 0.5, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 15, 12));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createTokenProvider: request', () => {
  it('posts the jwt-bearer grant form-encoded and returns the token', async () => {
    const fetch = fakeFetch(() => tokenReply('tok-1'));
    const dispatcher = { marker: true } as never;
    const tokens = provider(fetch, { signer: realSigner, dispatcher, correlationId: () => 'corr-1' });
    const token = await tokens.getToken();
    expect(token).toEqual({
      accessToken: 'tok-1',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 900_000,
      scope: 'd1-api:full',
    });
    const [call] = fetch.calls;
    expect(call?.url).toBe(URL_);
    expect(call?.init).toMatchObject({ method: 'POST', redirect: 'error', dispatcher });
    expect(call?.init.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      'x-correlation-id': 'corr-1',
    });
    expect(call?.form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = call?.form.get('assertion') as string;
    expect(decodeJwt(assertion)).toMatchObject({
      iss: 'ISSUER0001',
      aud: 'https://api.d1-stg.thalescloud.io',
    });
  });

  it('uses the environment token URL', async () => {
    const fetch = fakeFetch(() => tokenReply('t'));
    await createTokenProvider({ signer, environment: 'production', fetch }).getToken();
    expect(fetch.calls[0]?.url).toBe('https://api.d1.thalescloud.io/authz/v1/oauth2/token');
  });

  it('falls back to 900 s when D1 omits expires_in, and accepts a string one', async () => {
    const missing = await provider(fakeFetch(() => json(200, { access_token: 't' }))).getToken();
    expect(missing.expiresAt - Date.now()).toBe(900_000);
    const text = await provider(fakeFetch(() => tokenReply('t', '120'))).getToken();
    expect(text.expiresAt - Date.now()).toBe(120_000);
  });

  it.each([
    ['environment and tokenUrl together', { environment: 'production' as const }],
    ['a plain-http tokenUrl', { tokenUrl: 'http://127.0.0.1/token' }],
    ['a tokenUrl that is not a URL', { tokenUrl: 'not a url' }],
    ['zero attempts', { retry: { maxAttempts: 0 } }],
    ['a negative refresh margin', { refreshAheadSeconds: -1 }],
  ])('refuses %s', (_name, extra) => {
    expect(() =>
      provider(
        fakeFetch(() => tokenReply('t')),
        extra,
      ),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses an invalid correlation id without sending anything', async () => {
    const fetch = fakeFetch(() => tokenReply('t'));
    const error = await failure(provider(fetch, { correlationId: () => 'has space' }).getToken());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('createTokenProvider: cache and single flight', () => {
  it('serves the cached token without another request', async () => {
    const fetch = fakeFetch(() => tokenReply('tok-1'));
    const tokens = provider(fetch);
    await tokens.getToken();
    await vi.advanceTimersByTimeAsync(600_000);
    expect((await tokens.getToken()).accessToken).toBe('tok-1');
    expect(fetch.calls).toHaveLength(1);
  });

  it('makes exactly one request for 1,000 concurrent callers on a cold cache', async () => {
    const held = deferred<FetchLikeResponse>();
    const fetch = fakeFetch(() => held.promise);
    const tokens = provider(fetch);
    const all = Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
    await vi.advanceTimersByTimeAsync(10);
    held.resolve(tokenReply('shared'));
    const results = await all;
    expect(fetch.calls).toHaveLength(1);
    expect(new Set(results.map((t) => t.accessToken))).toEqual(new Set(['shared']));
  });

  it('refreshes in the background shortly before expiry and keeps serving the old token meanwhile', async () => {
    const second = deferred<FetchLikeResponse>();
    const fetch = fakeFetch(
      () => tokenReply('old'),
      () => second.promise,
    );
    const tokens = provider(fetch);
    await tokens.getToken();
    await vi.advanceTimersByTimeAsync(839_000);
    expect((await tokens.getToken()).accessToken).toBe('old');
    expect(fetch.calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(2_000); // inside the 60 s refresh window
    const during = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
    expect(during.map((t) => t.accessToken)).toEqual(['old', 'old', 'old']);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.calls).toHaveLength(2);
    second.resolve(tokenReply('new'));
    await vi.advanceTimersByTimeAsync(0);
    expect((await tokens.getToken()).accessToken).toBe('new');
    expect(fetch.calls).toHaveLength(2);
  });

  it('waits for a new token once the old one is too close to expiry', async () => {
    const fetch = fakeFetch(
      () => tokenReply('old'),
      () => tokenReply('new'),
    );
    const tokens = provider(fetch, { onBackgroundRefreshError: () => undefined });
    await tokens.getToken();
    await vi.advanceTimersByTimeAsync(891_000); // less than the 10 s minimum validity left
    expect((await tokens.getToken()).accessToken).toBe('new');
  });

  it('keeps the old token when a background refresh fails, and reports the failure', async () => {
    const reported: TokenError[] = [];
    const fetch = fakeFetch(
      () => tokenReply('old'),
      () => json(400, { error: 'invalid_grant' }),
      () => tokenReply('new'),
    );
    const tokens = provider(fetch, { onBackgroundRefreshError: (error) => reported.push(error) });
    await tokens.getToken();
    await vi.advanceTimersByTimeAsync(850_000);
    expect((await tokens.getToken()).accessToken).toBe('old');
    await vi.advanceTimersByTimeAsync(0);
    expect(reported.map((e) => e.code)).toEqual(['TOKEN_REJECTED']);
    expect((await tokens.getToken()).accessToken).toBe('old'); // starts the next background attempt
    await vi.advanceTimersByTimeAsync(0);
    expect((await tokens.getToken()).accessToken).toBe('new');
  });

  it('invalidate(token) drops only that token, so parallel 401s cause one refresh', async () => {
    const fetch = fakeFetch(
      () => tokenReply('first'),
      () => tokenReply('second'),
    );
    const tokens = provider(fetch);
    const first = await tokens.getToken();
    tokens.invalidate(first.accessToken);
    const second = await tokens.getToken();
    tokens.invalidate(first.accessToken); // a late 401 for the old token
    expect((await tokens.getToken()).accessToken).toBe(second.accessToken);
    expect(fetch.calls).toHaveLength(2);
    tokens.invalidate();
    await tokens.getToken();
    expect(fetch.calls).toHaveLength(3);
  });
});

describe('createTokenProvider: retries and errors', () => {
  it('retries 5xx with growing, jittered backoff and then succeeds', async () => {
    const fetch = fakeFetch(
      () => json(503, {}),
      () => json(502, {}),
      () => tokenReply('t'),
    );
    const pending = provider(fetch).getToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(187); // first backoff: 125 + 0.5 * 125 = 188 ms
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(375); // second: 250 + 0.5 * 250
    expect(fetch.calls).toHaveLength(3);
    expect((await pending).accessToken).toBe('t');
    // A fresh assertion (new jti) is signed for each attempt.
    expect(new Set(fetch.calls.map((c) => c.form.get('assertion'))).size).toBe(3);
  });

  it('retries network errors and gives up after maxAttempts with the last error', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const fetch = fakeFetch(() => Promise.reject(refused));
    const pending = failure(provider(fetch).getToken());
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await pending;
    expect(error).toMatchObject({ code: 'TOKEN_NETWORK_ERROR', reason: 'ECONNREFUSED', attempts: 3 });
    expect(fetch.calls).toHaveLength(3);
  });

  it('gives up on a persistent 5xx after maxAttempts', async () => {
    const fetch = fakeFetch(() => json(500, 'boom'));
    const pending = failure(provider(fetch, { retry: { maxAttempts: 2 } }).getToken());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await pending).toMatchObject({ code: 'TOKEN_SERVER_ERROR', status: 500, attempts: 2 });
    expect(fetch.calls).toHaveLength(2);
  });

  it('times out a hung request and retries it', async () => {
    const fetch = fakeFetch(
      ({ init }) =>
        new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      () => tokenReply('t'),
    );
    const pending = provider(fetch, { requestTimeoutMs: 1_000 }).getToken();
    await vi.advanceTimersByTimeAsync(1_000 + 188);
    expect((await pending).accessToken).toBe('t');
    expect(fetch.calls).toHaveLength(2);
  });

  it.each([400, 403, 404, 429])('does not retry a %i', async (status) => {
    const fetch = fakeFetch(() => json(status, { error: 'invalid_grant', error_description: 'nope' }));
    const error = await failure(provider(fetch).getToken());
    expect(error).toMatchObject({ code: 'TOKEN_REJECTED', status, oauthError: 'invalid_grant', attempts: 1 });
    expect(fetch.calls).toHaveLength(1);
  });

  it('treats a 401 from D1 as unauthorized and drops the cached token', async () => {
    const fetch = fakeFetch(
      () => tokenReply('old'),
      () => json(401, { error: 'invalid_client' }),
      () => tokenReply('new'),
    );
    const reported: TokenError[] = [];
    const tokens = provider(fetch, { onBackgroundRefreshError: (e) => reported.push(e) });
    await tokens.getToken();
    await vi.advanceTimersByTimeAsync(850_000);
    await tokens.getToken(); // background refresh gets the 401
    await vi.advanceTimersByTimeAsync(0);
    expect(reported[0]).toMatchObject({ code: 'TOKEN_UNAUTHORIZED', status: 401 });
    expect((await tokens.getToken()).accessToken).toBe('new'); // had to wait: nothing cached any more
    expect(fetch.calls).toHaveLength(3);
  });

  it('does not follow or accept a redirect, and does not retry it', async () => {
    const fetch = fakeFetch(() => json(302, ''));
    expect(await failure(provider(fetch).getToken())).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID' });
    expect(fetch.calls).toHaveLength(1);
  });

  it('refuses an oversized token response', async () => {
    const fetch = fakeFetch(() => json(200, { access_token: 'a'.repeat(70_000) }));
    expect(await failure(provider(fetch).getToken())).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID' });
  });

  it('clears the failed flight so the next call tries again', async () => {
    const fetch = fakeFetch(
      () => json(400, {}),
      () => tokenReply('t'),
    );
    const tokens = provider(fetch);
    await failure(tokens.getToken());
    expect((await tokens.getToken()).accessToken).toBe('t');
  });

  it('never puts the assertion or the token into an error, even when D1 echoes them', async () => {
    let assertion = '';
    const cases = [
      fakeFetch(({ form }) => {
        assertion = form.get('assertion') as string;
        return json(400, { error: assertion, error_description: assertion });
      }),
      fakeFetch(({ form }) => {
        assertion = form.get('assertion') as string;
        return json(200, { access_token: 'secret-token', token_type: assertion });
      }),
      fakeFetch(({ form }) => {
        assertion = form.get('assertion') as string;
        return Promise.reject(Object.assign(new Error(assertion), { code: assertion }));
      }),
    ];
    for (const fetch of cases) {
      const pending = failure(provider(fetch, { retry: { maxAttempts: 1 } }).getToken());
      const error = await pending;
      const rendered = `${inspect(error, { depth: 5 })} ${JSON.stringify(error)} ${error.message} ${error.stack}`;
      expect(assertion.length).toBeGreaterThan(100);
      expect(rendered).not.toContain(assertion.split('.')[1] as string);
      expect(rendered).not.toContain('secret-token');
    }
  });

  it('wraps a signer failure without its message', async () => {
    const tokens = createTokenProvider({
      signer: { sign: () => Promise.reject(new Error('-----BEGIN PRIVATE KEY----- leaked')) },
      tokenUrl: URL_,
      fetch: fakeFetch(() => tokenReply('t')),
    });
    const error = await failure(tokens.getToken());
    expect(error.code).toBe('ASSERTION_SIGN_FAILED');
    expect(inspect(error)).not.toContain('leaked');
  });
});
