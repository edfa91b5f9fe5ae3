import { connect } from 'node:tls';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d1CommonNameRule } from './authorizer.js';
import { formatD1CommonName } from './d1-common-name.js';
import { EKU_SERVER_AUTH } from './identity.js';
import { getClientIdentity } from './middleware.js';
import { createDevPki, DEV_ISSUER_ID, type DevPki } from './pki/dev-pki.js';
import type { RefusalEvent } from './refusal.js';
import { createMtlsServer, type MtlsServer } from './server.js';
import { listen, requestOnce } from './test-helpers.js';

const HOUR = 3_600_000;

let pki: DevPki;
let otherCa: DevPki;
let mtls: MtlsServer;
let port: number;
let handled = 0;
const refusals: RefusalEvent[] = [];
const tlsErrors: (string | undefined)[] = [];

beforeAll(async () => {
  [pki, otherCa] = await Promise.all([createDevPki(), createDevPki()]);
  const app = express();
  app.get('/whoami', (req, res) => {
    handled += 1;
    const client = getClientIdentity(req);
    res.json({ matchedBy: client?.matchedBy, d1: client?.d1, cn: req.clientIdentity?.identity.commonName });
  });
  mtls = await createMtlsServer({
    tls: pki.serverTls,
    policy: { rules: [d1CommonNameRule({ environments: ['PPR'] })], commonNames: ['ops-console'] },
    handler: app,
    onRefused: (event) => refusals.push(event),
    onTlsError: (event) => tlsErrors.push(event.code),
  });
  port = await listen(mtls.server);
});

afterAll(async () => {
  await mtls?.close();
});

const withCert = (issued: { cert: string; key: string }) => ({
  port,
  path: '/whoami',
  ca: pki.ca.cert,
  cert: issued.cert,
  key: issued.key,
});

describe('createMtlsServer over real sockets', () => {
  it('accepts a valid D1 client certificate and exposes its identity', async () => {
    const outcome = await requestOnce(withCert(pki.client));
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body!)).toEqual({
      matchedBy: 'rule:d1-common-name',
      d1: { issuerId: DEV_ISSUER_ID, environment: 'PPR' },
      cn: `D1-${DEV_ISSUER_ID}-PPR`,
    });
  });

  it('accepts TLS 1.2 as well as TLS 1.3', async () => {
    const tls12 = await requestOnce({ ...withCert(pki.client), maxVersion: 'TLSv1.2' });
    const tls13 = await requestOnce({ ...withCert(pki.client), minVersion: 'TLSv1.3' });
    expect([tls12.status, tls12.protocol]).toEqual([200, 'TLSv1.2']);
    expect([tls13.status, tls13.protocol]).toEqual([200, 'TLSv1.3']);
  });

  it('accepts a certificate listed by CN', async () => {
    const ops = await pki.issue({ kind: 'client', commonName: 'ops-console' });
    const outcome = await requestOnce(withCert(ops));
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body!).matchedBy).toBe('commonName');
  });

  it('refuses the handshake without a client certificate', async () => {
    const outcome = await requestOnce({ port, ca: pki.ca.cert });
    expect(outcome.status).toBeUndefined();
    expect(outcome.errorCode).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  it('refuses the handshake for a certificate from another CA', async () => {
    const outcome = await requestOnce(withCert(otherCa.client));
    expect(outcome.status).toBeUndefined();
    // TLS 1.3: Node checks the chain after the handshake and drops the socket (the reason is asserted
    // in middleware.test.ts, where rejectUnauthorized is off and the verdict is visible).
    expect(outcome.errorCode).toBe('ECONNRESET');
  });

  it('refuses expired and not-yet-valid certificates at the handshake', async () => {
    const now = Date.now();
    const [expired, future] = await Promise.all([
      pki.issue({
        kind: 'client',
        commonName: cn(),
        notBefore: new Date(now - 48 * HOUR),
        notAfter: new Date(now - HOUR),
      }),
      pki.issue({
        kind: 'client',
        commonName: cn(),
        notBefore: new Date(now + HOUR),
        notAfter: new Date(now + 48 * HOUR),
      }),
    ]);
    for (const issued of [expired, future]) {
      const outcome = await requestOnce(withCert(issued));
      expect(outcome.status).toBeUndefined();
      expect(outcome.errorCode).toBe('ECONNRESET');
    }
  });

  it('refuses a certificate whose EKU is serverAuth only (OpenSSL rejects its purpose at the handshake)', async () => {
    const serverOnly = await pki.issue({
      kind: 'client',
      commonName: cn(),
      extendedKeyUsages: [EKU_SERVER_AUTH],
    });
    const before = handled;
    const outcome = await requestOnce(withCert(serverOnly));
    expect(outcome.status).toBeUndefined();
    expect(outcome.errorCode).toBe('ECONNRESET');
    expect(outcome.errorCode).toBeDefined();
    expect(handled).toBe(before);
  });

  it('answers 403 WRONG_USAGE for a certificate without any EKU, which TLS lets through', async () => {
    const noEku = await pki.issue({ kind: 'client', commonName: cn(), extendedKeyUsages: [] });
    const before = handled;
    const outcome = await requestOnce(withCert(noEku));
    expect(outcome.status).toBe(403);
    expect(JSON.parse(outcome.body!)).toEqual({
      error: 'CLIENT_CERTIFICATE_WRONG_USAGE',
      message: 'the client certificate is not valid for TLS client authentication',
    });
    expect(handled).toBe(before);
  });

  it('answers 403 NOT_ALLOWED for a trusted certificate whose CN is not allowed, before any handler', async () => {
    const stranger = await pki.issue({ kind: 'client', commonName: 'stranger' });
    const production = await pki.issue({ kind: 'client', commonName: cn('PRD') });
    const before = handled;
    for (const issued of [stranger, production]) {
      const outcome = await requestOnce(withCert(issued));
      expect(outcome.status).toBe(403);
      expect(JSON.parse(outcome.body!).error).toBe('CLIENT_CERTIFICATE_NOT_ALLOWED');
    }
    expect(handled).toBe(before);
    const event = refusals.find((item) => item.subject === 'CN=stranger');
    expect(event).toMatchObject({ refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED', remoteAddress: '127.0.0.1' });
    expect(event?.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a TLS 1.1 client with a protocol_version alert', async () => {
    const outcome = await requestOnce({
      ...withCert(pki.client),
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(outcome.status).toBeUndefined();
    // The local OpenSSL still offers TLS 1.1 at SECLEVEL=0, so the refusal is the server's own.
    expect(outcome.errorCode).toBe('EPROTO');
    expect(outcome.errorMessage).toMatch(/alert protocol version/);
    expect(tlsErrors).toContain('ERR_SSL_UNSUPPORTED_PROTOCOL');
  });
});

describe('configuration', () => {
  it('refuses a bad refusalMode or handler at start-up', async () => {
    const base = { tls: pki.serverTls, policy: { commonNames: ['x'] }, handler: () => undefined };
    await expect(createMtlsServer({ ...base, refusalMode: 'drop' as 'close' })).rejects.toMatchObject({
      code: 'MTLS_INVALID_OPTIONS',
    });
    await expect(createMtlsServer({ ...base, handler: undefined as never })).rejects.toMatchObject({
      code: 'MTLS_INVALID_OPTIONS',
    });
    await expect(createMtlsServer({ ...base, policy: {} })).rejects.toMatchObject({
      code: 'MTLS_INVALID_OPTIONS',
    });
  });
});

describe('hooks', () => {
  it('a throwing refusal hook does not take the server down', async () => {
    const fragile = await createMtlsServer({
      tls: pki.serverTls,
      policy: { commonNames: ['nobody'] },
      handler: (_req, res) => res.end('ok'),
      onRefused: () => {
        throw new Error('logger broke');
      },
    });
    const fragilePort = await listen(fragile.server);
    try {
      for (let i = 0; i < 2; i += 1) {
        const outcome = await requestOnce({ port: fragilePort, ca: pki.ca.cert, ...pki.client });
        expect(outcome.status).toBe(403);
      }
    } finally {
      await fragile.close();
    }
  });
});

describe("refusalMode 'close'", () => {
  it('closes the connection of a refused certificate without an HTTP answer', async () => {
    let calls = 0;
    const closing = await createMtlsServer({
      tls: pki.serverTls,
      policy: { commonNames: ['only-this-one'] },
      handler: (_req, res) => {
        calls += 1;
        res.end('ok');
      },
      refusalMode: 'close',
    });
    const closingPort = await listen(closing.server);
    try {
      const refused = await requestOnce({
        port: closingPort,
        ca: pki.ca.cert,
        cert: pki.client.cert,
        key: pki.client.key,
      });
      expect(refused.status).toBeUndefined();
      expect(refused.errorCode).toBeDefined();
      const allowed = await pki.issue({ kind: 'client', commonName: 'only-this-one' });
      const ok = await requestOnce({
        port: closingPort,
        ca: pki.ca.cert,
        cert: allowed.cert,
        key: allowed.key,
      });
      expect([ok.status, ok.body, calls]).toEqual([200, 'ok', 1]);
    } finally {
      await closing.close();
    }
  });
});

function cn(environment: 'PPR' | 'PRD' = 'PPR'): string {
  return formatD1CommonName({ issuerId: DEV_ISSUER_ID, environment });
}

describe('createMtlsServer: TLS 1.2 renegotiation', () => {
  // The policy verdict and identity are fixed per connection; a renegotiation could bring another
  // certificate under them, and each one costs the server a full handshake.
  it('refuses a client-initiated renegotiation', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca: pki.ca.cert,
        cert: pki.client.cert,
        key: pki.client.key,
        maxVersion: 'TLSv1.2',
      });
      socket.on('error', () => resolve('refused'));
      socket.on('close', () => resolve('closed'));
      socket.on('secureConnect', () => {
        const started = socket.renegotiate({ rejectUnauthorized: true }, (error) => {
          resolve(error ? 'refused' : 'renegotiated');
          socket.destroy();
        });
        if (!started) resolve('not started');
        socket.write('GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
    });
    expect(outcome).not.toBe('renegotiated');
    expect(outcome).not.toBe('not started');
  });
});
