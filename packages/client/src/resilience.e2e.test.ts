import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createD1Client, type D1Client, D1ClientError, type LogFields } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

type Entry = { level: string; event: string; fields: LogFields };

function recorder() {
  const entries: Entry[] = [];
  const logger = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [
      level,
      (event: string, fields: LogFields) => entries.push({ level, event, fields }),
    ]),
  );
  return { entries, logger };
}

async function failure(promise: Promise<unknown>): Promise<D1ClientError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(D1ClientError);
  return error as D1ClientError;
}

describe('retries, refreshes and failures over the wire', () => {
  let env: TestEnvironment;
  let d1: D1Client;
  const log = recorder();

  beforeAll(async () => {
    env = await createTestEnvironment();
    d1 = createD1Client({
      ...env.clientOptions,
      logger: log.logger,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    await d1.cards.register('card-1', {
      consumerId: 'c',
      cardProductId: 'p',
      card: { pan: '4111111111111111', exp: '1229' },
    });
  });
  afterEach(() => {
    env.server.clearFaults();
    log.entries.length = 0;
  });
  afterAll(async () => {
    await d1?.close();
    await env?.close();
  });

  const sentFor = async (operationId: string, run: () => Promise<unknown>) => {
    const before = env.server.requests.length;
    const outcome = await run();
    return { outcome, sent: env.server.requests.slice(before).filter((r) => r.operationId === operationId) };
  };

  it('retries a read on 503 and honours Retry-After', async () => {
    env.server.inject({ operationId: 'getCard', respond: { status: 503, headers: { 'retry-after': '1' } } });
    const { outcome, sent } = await sentFor('getCard', () => d1.cards.get('card-1'));
    expect(outcome).toMatchObject({ ok: true, status: 200, attempts: 2 });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.correlationId).toBe(sent[1]!.correlationId);
    expect(log.entries.find((e) => e.event === 'd1.call.retry')?.fields).toMatchObject({
      status: 503,
      retryInMs: 1000,
    });
  });

  it('gives up when Retry-After asks for longer than the cap, returning the answer', async () => {
    env.server.inject({
      operationId: 'getCard',
      respond: { status: 429, headers: { 'retry-after': '3600' } },
    });
    const { outcome, sent } = await sentFor('getCard', () => d1.cards.get('card-1'));
    expect(outcome).toMatchObject({ ok: false, status: 429, attempts: 1 });
    expect(sent).toHaveLength(1);
  });

  it('stops after maxAttempts', async () => {
    env.server.inject({
      operationId: 'getCard',
      times: 5,
      respond: { status: 502, body: { code: 'BAD_GATEWAY' } },
    });
    const { outcome, sent } = await sentFor('getCard', () => d1.cards.get('card-1'));
    expect(outcome).toMatchObject({ ok: false, status: 502, attempts: 3, error: { code: 'BAD_GATEWAY' } });
    expect(sent).toHaveLength(3);
  });

  it('never repeats a non-idempotent POST', async () => {
    env.server.inject({ operationId: 'suspendCard', respond: { status: 503 } });
    const { outcome, sent } = await sentFor('suspendCard', () =>
      d1.cards.suspend('card-1', { reasonCode: 'CARD_LOST' }),
    );
    expect(outcome).toMatchObject({ ok: false, status: 503, attempts: 1 });
    expect(sent).toHaveLength(1);
  });

  it('repeats a card order only when it carries an issuerRequestId', async () => {
    const order = (issuerRequestId?: string) => ({
      distributionChannel: 'CENTRAL' as const,
      ...(issuerRequestId ? { issuerRequestId } : {}),
      services: {
        issuance: 'CREATION',
        delivery: 'x',
        cardCarrier: 'x',
        packaging: 'x',
        pinMailer: false,
        alphaCard: false,
      } as const,
      paymentApplication: { config: 'c', odaKeyIndex: 1, derivationKeyIndex: 1 },
      card: { pan: '4111111111111111', exp: '2906', panSequenceNumber: '00' },
    });
    env.server.inject({ operationId: 'orderPhysicalCard', respond: { status: 503 } });
    const without = await sentFor('orderPhysicalCard', () => d1.physicalCards.order('card-o1', order()));
    expect(without.sent).toHaveLength(1);
    expect(without.outcome).toMatchObject({ ok: false, status: 503 });
    env.server.inject({ operationId: 'orderPhysicalCard', respond: { status: 503 } });
    const withKey = await sentFor('orderPhysicalCard', () =>
      d1.physicalCards.order('card-o2', order('req-o2')),
    );
    expect(withKey.sent).toHaveLength(2);
    expect(withKey.outcome).toMatchObject({ ok: true, status: 202 });
  });

  it('refreshes the token once on 401, then returns a second 401 as it is', async () => {
    const issued = env.server.tokens.issuedCount;
    env.server.tokens.revokeAll();
    const refreshed = await d1.cards.get('card-1');
    expect(refreshed).toMatchObject({ ok: true, status: 200, attempts: 2 });
    expect(env.server.tokens.issuedCount).toBe(issued + 1);
    expect(log.entries.some((e) => e.event === 'd1.call.token_refresh')).toBe(true);

    env.server.inject({
      operationId: 'suspendCard',
      times: 2,
      respond: { status: 401, body: { code: 'UNAUTHORIZED' } },
    });
    const { outcome, sent } = await sentFor('suspendCard', () =>
      d1.cards.suspend('card-1', { reasonCode: 'CARD_LOST' }),
    );
    expect(outcome).toMatchObject({ ok: false, status: 401, attempts: 2, error: { code: 'UNAUTHORIZED' } });
    expect(sent).toHaveLength(2);
  });

  it('refreshes once for many parallel calls that all got 401', async () => {
    const issued = env.server.tokens.issuedCount;
    env.server.tokens.revokeAll();
    const results = await Promise.all(Array.from({ length: 6 }, () => d1.cards.get('card-1')));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(env.server.tokens.issuedCount).toBe(issued + 1);
  });

  it('treats an error with an empty body, or a body that is not JSON, as an error', async () => {
    env.server.inject({ operationId: 'getCard', respond: { status: 404 } });
    const empty = await d1.cards.get('card-1');
    expect(empty).toMatchObject({
      ok: false,
      status: 404,
      error: { status: 404, code: undefined, message: undefined, body: undefined },
    });
    env.server.inject({
      operationId: 'getCard',
      respond: { status: 500, headers: { 'content-type': 'text/html' }, body: '<h1>oops</h1>' },
    });
    const html = await d1.cards.get('card-1');
    expect(html).toMatchObject({ ok: false, status: 500, error: { body: undefined } });
    expect(html.drift).toEqual([
      expect.objectContaining({ pointer: '', message: expect.stringContaining('not JSON') }),
    ]);
  });

  it('returns an undeclared status as a failure with drift, never as data', async () => {
    env.server.inject({ operationId: 'getCard', respond: { status: 207, body: { cardId: 'card-1' } } });
    const result = await d1.cards.get('card-1');
    expect(result).toMatchObject({ ok: false, status: 207 });
    expect(result.drift[0]?.message).toContain('207');
  });

  it('masks card-number-like digits and caps D1 messages', async () => {
    env.server.inject({
      operationId: 'getCard',
      respond: {
        status: 400,
        body: { code: 'BAD', message: `card 4111111111111111 refused ${'x'.repeat(500)}` },
      },
    });
    const result = await d1.cards.get('card-1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain('411111…1111');
    expect(result.error.message).not.toContain('4111111111111111');
    expect(result.error.message!.length).toBeLessThanOrEqual(201);
  });

  it('times out per attempt with a fresh signal each time, retrying reads only', async () => {
    env.server.inject({ operationId: 'getCard', times: 2, delayMs: 400 });
    const read = await failure(d1.cards.get('card-1', { timeoutMs: 50, retry: { maxAttempts: 2 } }));
    expect(read).toMatchObject({ code: 'TIMEOUT', attempts: 2, operationId: 'getCard' });
    env.server.clearFaults();
    env.server.inject({ operationId: 'getCard', delayMs: 1500 });
    // The first attempt's signal fired; the second attempt must not inherit it.
    const recovered = await d1.cards.get('card-1', { timeoutMs: 750 });
    expect(recovered).toMatchObject({ ok: true, attempts: 2 });
    env.server.clearFaults();
    env.server.inject({ operationId: 'resumeCard', delayMs: 400 });
    const write = await failure(
      d1.cards.resume('card-1', { reasonCode: 'ISSUER_DECISION' }, { timeoutMs: 50 }),
    );
    expect(write).toMatchObject({ code: 'TIMEOUT', attempts: 1 });
  });

  it('reports a dropped connection as NETWORK_ERROR and retries it for reads', async () => {
    env.server.inject({ operationId: 'getCard', destroy: true });
    expect(await d1.cards.get('card-1')).toMatchObject({ ok: true, attempts: 2 });
    env.server.inject({ operationId: 'deleteCard', destroy: true });
    const error = await failure(d1.cards.delete('card-1', { reasonCode: 'CLOSED_CARD' }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
    expect(env.server.simulator.cards.get('card-1')?.state).not.toBe('DELETED');
  });

  it('never repeats a write without an idempotency key after a connection reset: D1 may have done it', async () => {
    env.server.inject({ operationId: 'deleteCard', reset: true });
    const before = env.server.requests.length;
    const error = await failure(d1.cards.delete('card-1', { reasonCode: 'CLOSED_CARD' }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', reason: 'ECONNRESET', attempts: 1 });
    expect(env.server.requests.length).toBe(before + 1);
    env.server.inject({ operationId: 'getCard', reset: true });
    expect(await d1.cards.get('card-1')).toMatchObject({ ok: true, attempts: 2 });
  });

  it('aborts on the caller signal, also between attempts, and sends nothing for an aborted signal', async () => {
    const before = env.server.requests.length;
    await expect(d1.cards.get('card-1', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(env.server.requests.length).toBe(before);
    env.server.inject({ operationId: 'getCard', delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(d1.cards.get('card-1', { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    env.server.clearFaults();
    env.server.inject({ operationId: 'getCard', respond: { status: 503, headers: { 'retry-after': '20' } } });
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 50);
    await expect(d1.cards.get('card-1', { signal: waiting.signal })).rejects.toMatchObject({
      code: 'ABORTED',
      attempts: 1,
    });
  });

  it('refuses a response body beyond the limit, with or without a Content-Length', async () => {
    const huge = { cardId: 'x'.repeat(1_100_000) };
    env.server.inject({ operationId: 'getCard', respond: { status: 200, body: huge } });
    await expect(d1.cards.get('card-1')).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    env.server.inject({ operationId: 'getCard', respond: { status: 500, body: huge, chunked: true } });
    await expect(d1.cards.get('card-1', { retry: false })).rejects.toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
    });
    env.server.inject({
      operationId: 'getCard',
      respond: { status: 200, body: { cardId: 'card-1' }, chunked: true },
    });
    expect(await d1.cards.get('card-1')).toMatchObject({ ok: true, data: { cardId: 'card-1' } });
  });

  it('does not follow a redirect (it would carry the bearer token elsewhere)', async () => {
    env.server.inject({
      operationId: 'getCard',
      respond: { status: 307, headers: { location: 'https://localhost:1/steal' } },
    });
    const { outcome, sent } = await sentFor('getCard', () => d1.cards.get('card-1'));
    expect(outcome).toMatchObject({ ok: false, status: 307 });
    expect(sent).toHaveLength(1);
  });

  it('turns a refused assertion into TOKEN_FAILED without calling the API', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const stranger = createD1Client({
      ...env.clientOptions,
      assertionKey: { kid: 'issuer-assertion-1', privateKey },
    });
    try {
      const before = env.server.requests.filter((r) => r.operationId === 'getCard').length;
      const error = await failure(stranger.cards.get('card-1'));
      expect(error).toMatchObject({ code: 'TOKEN_FAILED', reason: 'TOKEN_UNAUTHORIZED' });
      expect(env.server.requests.filter((r) => r.operationId === 'getCard').length).toBe(before);
    } finally {
      await stranger.close();
    }
  });

  it('fails closed on mTLS: a certificate from another CA gets no answer and no retry', async () => {
    const other = await createTestEnvironment();
    await other.close();
    const wrongCa = createD1Client({
      ...env.clientOptions,
      tls: other.pki.clientTls,
      retry: { maxAttempts: 3 },
    });
    try {
      const error = await failure(wrongCa.cards.get('card-1'));
      expect(error.code).toBe('TOKEN_FAILED');
    } finally {
      await wrongCa.close();
    }
    const tokenless = createD1Client({
      ...env.clientOptions,
      tls: other.pki.clientTls,
      assertionKey: undefined,
      tokenProvider: {
        getToken: async () => ({
          accessToken: 'x',
          tokenType: 'Bearer',
          expiresAt: Date.now() + 60_000,
          scope: undefined,
        }),
        invalidate: () => {},
      },
    });
    try {
      const error = await failure(tokenless.cards.get('card-1'));
      expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
      expect(error.reason).toMatch(/CERT|VERIFY|SELF_SIGNED|TLS/);
    } finally {
      await tokenless.close();
    }
  });

  it('says ECONNREFUSED when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const nowhere = createD1Client({
      ...env.clientOptions,
      environment: `https://localhost:${port}`,
      assertionKey: undefined,
      tokenProvider: {
        getToken: async () => ({
          accessToken: 'x',
          tokenType: 'Bearer',
          expiresAt: Date.now() + 60_000,
          scope: undefined,
        }),
        invalidate: () => {},
      },
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    try {
      const error = await failure(nowhere.cards.suspend('card-1', { reasonCode: 'CARD_LOST' }));
      // Nothing was sent, so even a POST may be tried again.
      expect(error).toMatchObject({ code: 'NETWORK_ERROR', reason: 'ECONNREFUSED', attempts: 2 });
    } finally {
      await nowhere.close();
    }
  });
});
