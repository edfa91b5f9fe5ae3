import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAssertionSigner } from './assertion.js';
import { TokenError } from './errors.js';
import { p256 } from './test-support/keys.js';
import { selfSignedCert } from './test-support/servers.js';
import { createTokenProvider, type TokenProviderOptions } from './token-provider.js';
import type { FetchLike } from './token-request.js';

const issuerKey = p256('issuer-k1');
const cert = selfSignedCert();
const signer = createAssertionSigner({
  issuerId: 'ISSUER0001',
  key: issuerKey,
  audience: 'https://127.0.0.1',
});

/** A D1 stand-in: checks the assertion like D1 would and answers with numbered tokens. */
interface TokenServer {
  requests: number;
  failNext: number[];
  server: Server;
  url: string;
}

const d1: TokenServer = { requests: 0, failNext: [], server: undefined as never, url: '' };
const agent = new Agent({ connect: { ca: cert.cert } });

beforeAll(async () => {
  d1.server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      d1.requests += 1;
      const status = d1.failNext.shift();
      if (status) {
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end('{"error":"temporarily_unavailable"}');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      try {
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded')
          throw new Error('content type');
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
          throw new Error('grant');
        await jwtVerify(form.get('assertion') ?? '', issuerKey.publicKey, {
          algorithms: ['ES256'],
          issuer: 'ISSUER0001',
          subject: 'ISSUER0001',
          audience: 'https://127.0.0.1',
          maxTokenAge: 900,
        });
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      const body = {
        access_token: `d1-token-${d1.requests}`,
        expires_in: 900,
        token_type: 'Bearer',
        scope: 'x',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => d1.server.listen(0, '127.0.0.1', resolve));
  d1.url = `https://127.0.0.1:${(d1.server.address() as AddressInfo).port}/authz/v1/oauth2/token`;
});

afterAll(async () => {
  await agent.close();
  await new Promise((resolve) => d1.server.close(resolve));
});

afterEach(() => {
  vi.useRealTimers();
  d1.requests = 0;
  d1.failNext = [];
});

function provider(extra: Partial<TokenProviderOptions> = {}) {
  return createTokenProvider({
    signer,
    tokenUrl: d1.url,
    fetch: undiciFetch as unknown as FetchLike,
    dispatcher: agent,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
}

describe('token provider against a local HTTPS token server', () => {
  it('sends one request for 1,000 concurrent callers on a cold cache', async () => {
    const tokens = provider();
    const results = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
    expect(d1.requests).toBe(1);
    expect(new Set(results.map((t) => t.accessToken))).toEqual(new Set(['d1-token-1']));
  });

  it('works with the global fetch and an undici 7 Agent as dispatcher', async () => {
    const tokens = provider({ fetch: undefined });
    expect((await tokens.getToken()).accessToken).toBe('d1-token-1');
  });

  it('refreshes ahead of expiry while still serving the cached token (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 15, 12));
    const tokens = provider();
    expect((await tokens.getToken()).accessToken).toBe('d1-token-1');
    vi.setSystemTime(Date.UTC(2026, 0, 15, 12, 14, 0)); // 840 s: still fresh
    expect((await tokens.getToken()).accessToken).toBe('d1-token-1');
    expect(d1.requests).toBe(1);
    vi.setSystemTime(Date.UTC(2026, 0, 15, 12, 14, 30)); // 30 s before expiry: refresh window
    const during = await Promise.all(Array.from({ length: 50 }, () => tokens.getToken()));
    expect(new Set(during.map((t) => t.accessToken))).toEqual(new Set(['d1-token-1']));
    await vi.waitFor(async () => expect((await tokens.getToken()).accessToken).toBe('d1-token-2'));
    expect(d1.requests).toBe(2);
  });

  it('retries a 503 and a 502 over the wire, then succeeds', async () => {
    d1.failNext = [503, 502];
    expect((await provider().getToken()).accessToken).toBe('d1-token-3');
    expect(d1.requests).toBe(3);
  });

  it('does not retry a 400 from D1', async () => {
    const wrongKey = createAssertionSigner({ issuerId: 'ISSUER0001', key: p256('issuer-k1'), audience: 'x' });
    const error = await provider({ signer: wrongKey })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TOKEN_REJECTED',
      status: 400,
      oauthError: 'invalid_grant',
      attempts: 1,
    });
    expect(d1.requests).toBe(1);
  });

  it('refuses the server when its certificate is not trusted', async () => {
    const untrusted = new Agent();
    try {
      const error = await provider({ dispatcher: untrusted, retry: { maxAttempts: 1 } })
        .getToken()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenError);
      expect(error).toMatchObject({ code: 'TOKEN_NETWORK_ERROR', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(d1.requests).toBe(0);
    } finally {
      await untrusted.close();
    }
  });

  it('reports a closed port as a network error after bounded retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const tokens = provider({ tokenUrl: `https://127.0.0.1:${port}/authz/v1/oauth2/token` });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOKEN_NETWORK_ERROR', reason: 'ECONNREFUSED', attempts: 3 });
  });
});
