import type { AddressInfo } from 'node:net';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerApp, createIssuerRouter } from './issuer-router.js';
import { captureLogger, ISSUER_ID } from './test-support.js';

// Mounting behaviour needs no TLS; over-the-wire mTLS is covered by the *.https tests.
const auth = { mtls: 'off', bearer: 'off' } as const;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let base: string;

beforeAll(async () => {
  const host = express();
  host.get('/health', (_req, res) => {
    res.send('ok');
  });
  host.use(
    '/d1',
    await createIssuerRouter({
      auth,
      logger: captureLogger(),
      specs: ['D1-Public-OUT-v1-Physical-Issuance'],
      handlers: { ActivateCard: async () => ({ status: 204 }) },
    }),
  );
  host.use((_req, res) => {
    res.status(404).send('host 404');
  });
  await new Promise<void>((resolve) => {
    server = host.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = async (method: string, path: string) => {
  const reply = await request(`${base}${path}`, { method: method as 'GET' });
  return { status: reply.statusCode, text: await reply.body.text() };
};

describe('createIssuerRouter in an existing app', () => {
  it('serves its operations below the mount path and leaves the rest to the host', async () => {
    expect(
      (await call('POST', `/d1/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/c-1/activate`)).status,
    ).toBe(204);
    expect(await call('GET', '/health')).toEqual({ status: 200, text: 'ok' });
    expect(await call('GET', '/d1/unknown')).toEqual({ status: 404, text: 'host 404' });
    // Only the chosen spec is served: the PIN path is not there.
    expect((await call('GET', `/d1/cms/api/v1/issuers/${ISSUER_ID}/cards/c-1/pin`)).text).toBe('host 404');
  });
});

describe('a logger that throws', () => {
  it('changes no answer and crashes nothing', async () => {
    const explode = () => {
      throw new Error('log sink down');
    };
    const app = await createIssuerApp({
      auth,
      logger: { info: explode, warn: explode, error: explode },
      handlers: {
        ActivateCard: async ({ params }) => {
          if (params.cardId === 'boom') throw new Error('handler failure');
          return { status: 204 };
        },
      },
    });
    const local = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => local.once('listening', resolve));
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}/cms/api/v1/issuers/${ISSUER_ID}/physicalCards`;
    try {
      expect((await request(`${url}/c-1/activate`, { method: 'POST' })).statusCode).toBe(204);
      expect((await request(`${url}/boom/activate`, { method: 'POST' })).statusCode).toBe(500);
      expect((await request(`${url}/c-1/activate`, { method: 'GET' })).statusCode).toBe(405);
    } finally {
      await new Promise<void>((resolve) => local.close(() => resolve()));
    }
  });
});

describe('configuration checks', () => {
  it.each([
    [{ handlers: { createCard: async () => ({}) } }, /createCard is not an outbound operation/],
    [{ handlers: { ActivateCard: 'yes' } }, /must be a function/],
    [{ handlers: {}, bodyLimitBytes: 10 }, /bodyLimitBytes/],
    [{ handlers: {}, specs: ['D1-Public-IN-v2-Card'] }, /not an outbound D1 spec/],
    [{ handlers: null }, /handlers must be an object/],
  ])('refuses %j', async (options, message) => {
    await expect(
      createIssuerApp({ auth, logger: captureLogger(), ...(options as object) } as never),
    ).rejects.toThrow(message);
  });
});
