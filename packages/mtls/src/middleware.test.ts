import { createServer, type Server } from 'node:https';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKU_SERVER_AUTH } from './identity.js';
import { clientCertAuth, getClientIdentity } from './middleware.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';
import type { RefusalEvent } from './refusal.js';
import { createMtlsServerOptions } from './server-options.js';
import { listen, requestOnce } from './test-helpers.js';

const HOUR = 3_600_000;
let pki: DevPki;
let otherCa: DevPki;
let server: Server;
let port: number;
const refusals: RefusalEvent[] = [];

// A diagnostic server: rejectUnauthorized is off so that every handshake completes and the middleware
// alone decides. That shows why each fixture is refused (OpenSSL's verdict reaches the refusal event),
// and that the middleware refuses untrusted chains even when the TLS layer has been loosened.
beforeAll(async () => {
  [pki, otherCa] = await Promise.all([createDevPki(), createDevPki()]);
  const app = express();
  app.use(
    '/api',
    clientCertAuth({ commonNames: ['partner'] }, { onRefused: (event) => refusals.push(event) }),
  );
  app.get('/api/hello', (req, res) => {
    res.json({
      cn: getClientIdentity(req)?.identity.commonName,
      same: req.clientIdentity === getClientIdentity(req),
    });
  });
  // Other code writing `req.clientIdentity` reads back its own value, but cannot fool getClientIdentity.
  app.get('/api/overwritten', (req, res) => {
    const verified = req.clientIdentity;
    (req as { clientIdentity?: unknown }).clientIdentity = { forged: true };
    res.json({
      forged: req.clientIdentity,
      cn: getClientIdentity(req)?.identity.commonName,
      before: verified === getClientIdentity(req),
    });
  });
  // A sub-app admits; the parent reads the identity after Express moved the request back to its prototype.
  const inner = express();
  inner.use(clientCertAuth({ commonNames: ['partner'] }), (_req, _res, next) => next());
  app.use('/nested', inner, (req, res) => {
    res.json({
      cn: req.clientIdentity?.identity.commonName,
      same: req.clientIdentity === getClientIdentity(req),
    });
  });
  app.get('/public', (req, res) => {
    res.json({ identity: getClientIdentity(req) ?? null, own: req.clientIdentity ?? null });
  });
  server = createServer({ ...createMtlsServerOptions(pki.serverTls), rejectUnauthorized: false }, app);
  port = await listen(server);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function refusalFor(
  issued: { cert: string; key: string } | undefined,
): Promise<[number | undefined, string, RefusalEvent | undefined]> {
  const before = refusals.length;
  const outcome = await requestOnce({ port, path: '/api/hello', ca: pki.ca.cert, ...(issued ?? {}) });
  return [outcome.status, JSON.parse(outcome.body ?? '{}').error, refusals[before]];
}

describe('clientCertAuth middleware', () => {
  it('admits an allowed certificate and exposes the identity on the request', async () => {
    const partner = await pki.issue({ kind: 'client', commonName: 'partner' });
    const outcome = await requestOnce({ port, path: '/api/hello', ca: pki.ca.cert, ...partner });
    expect([outcome.status, JSON.parse(outcome.body!)]).toEqual([200, { cn: 'partner', same: true }]);
  });

  it('keeps the verified identity when other code writes req.clientIdentity', async () => {
    const partner = await pki.issue({ kind: 'client', commonName: 'partner' });
    const outcome = await requestOnce({ port, path: '/api/overwritten', ca: pki.ca.cert, ...partner });
    expect([outcome.status, JSON.parse(outcome.body!)]).toEqual([
      200,
      { forged: { forged: true }, cn: 'partner', before: true },
    ]);
  });

  it('exposes the identity to the parent app after a sub-app admitted the request', async () => {
    const partner = await pki.issue({ kind: 'client', commonName: 'partner' });
    const outcome = await requestOnce({ port, path: '/nested/x', ca: pki.ca.cert, ...partner });
    expect([outcome.status, JSON.parse(outcome.body!)]).toEqual([200, { cn: 'partner', same: true }]);
  });

  it('leaves routes outside its mount alone', async () => {
    const outcome = await requestOnce({ port, path: '/public', ca: pki.ca.cert, ...pki.client });
    expect([outcome.status, JSON.parse(outcome.body!)]).toEqual([200, { identity: null, own: null }]);
  });

  it('refuses a request without a certificate with 403 CLIENT_CERTIFICATE_REQUIRED', async () => {
    expect((await refusalFor(undefined)).slice(0, 2)).toEqual([403, 'CLIENT_CERTIFICATE_REQUIRED']);
  });

  it('refuses untrusted chains with 403 UNTRUSTED and reports OpenSSL’s reason', async () => {
    const now = Date.now();
    const [expired, future, serverOnly] = await Promise.all([
      pki.issue({
        kind: 'client',
        commonName: 'partner',
        notBefore: new Date(now - 9 * HOUR),
        notAfter: new Date(now - HOUR),
      }),
      pki.issue({
        kind: 'client',
        commonName: 'partner',
        notBefore: new Date(now + HOUR),
        notAfter: new Date(now + 9 * HOUR),
      }),
      pki.issue({ kind: 'client', commonName: 'partner', extendedKeyUsages: [EKU_SERVER_AUTH] }),
    ]);
    const cases = [
      [otherCa.client, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      [expired, 'CERT_HAS_EXPIRED'],
      [future, 'CERT_NOT_YET_VALID'],
      [serverOnly, 'INVALID_PURPOSE'],
    ] as const;
    for (const [issued, reason] of cases) {
      const [status, error, event] = await refusalFor(issued);
      expect([status, error, event?.tlsError]).toEqual([403, 'CLIENT_CERTIFICATE_UNTRUSTED', reason]);
    }
  });

  it('refuses a trusted certificate that is not on the allow-list with 403 NOT_ALLOWED', async () => {
    const [status, error, event] = await refusalFor(pki.client);
    expect([status, error]).toEqual([403, 'CLIENT_CERTIFICATE_NOT_ALLOWED']);
    expect(event?.subject).toBe('CN=D1-D1KITDEV01-PPR');
    expect(event?.tlsError).toBeUndefined();
  });

  it('answers refusals as JSON and closes the connection', async () => {
    const outcome = await requestOnce({ port, path: '/api/hello', ca: pki.ca.cert, ...pki.client });
    expect(outcome.status).toBe(403);
    expect(outcome.headers?.connection).toBe('close');
    expect(outcome.headers?.['content-type']).toBe('application/json');
    expect(outcome.body).toContain('"message":"the client certificate is not authorized for this service"');
  });
});
