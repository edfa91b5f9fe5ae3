import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMtlsAgent, createMtlsFetch } from './agent.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';
import { createMtlsServer, type MtlsServer } from './server.js';
import { listen } from './test-helpers.js';

let pki: DevPki;
let otherCa: DevPki;
let mtls: MtlsServer;
let origin: string;
let handshakes = 0;

beforeAll(async () => {
  [pki, otherCa] = await Promise.all([createDevPki(), createDevPki()]);
  mtls = await createMtlsServer({
    tls: pki.serverTls,
    policy: { commonNames: ['D1-D1KITDEV01-PPR'] },
    handler: (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          cn: (req as { clientIdentity?: { identity: { commonName?: string } } }).clientIdentity?.identity
            .commonName,
        }),
      );
    },
  });
  mtls.server.on('secureConnection', () => {
    handshakes += 1;
  });
  origin = `https://localhost:${await listen(mtls.server)}`;
});

afterAll(() => mtls?.close());

describe('createMtlsAgent', () => {
  it('presents the client certificate and reuses the connection', async () => {
    // One connection per origin makes reuse observable: three requests, one handshake.
    const agent = createMtlsAgent(pki.clientTls, { connections: 1 });
    try {
      const before = handshakes;
      for (let i = 0; i < 3; i += 1) {
        const response = await request(`${origin}/`, { dispatcher: agent });
        expect(response.statusCode).toBe(200);
        expect(await response.body.json()).toEqual({ cn: 'D1-D1KITDEV01-PPR' });
      }
      expect(handshakes - before).toBe(1);
    } finally {
      await agent.close();
    }
  });

  it('works as the dispatcher of the global fetch', async () => {
    const agent = createMtlsAgent(pki.clientTls);
    try {
      const mtlsFetch = createMtlsFetch(agent);
      const response = await mtlsFetch(new Request(`${origin}/`, { method: 'GET' }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ cn: 'D1-D1KITDEV01-PPR' });
    } finally {
      await agent.close();
    }
  });

  it('trusts only the pinned CA', async () => {
    const agent = createMtlsAgent({ ...pki.clientTls, ca: otherCa.ca.cert });
    try {
      await expect(request(`${origin}/`, { dispatcher: agent })).rejects.toMatchObject({
        // The server sends its CA along; the client finds it outside its pinned bundle.
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      });
    } finally {
      await agent.close();
    }
  });

  it('checks the server name, which can be overridden with servername', async () => {
    const misnamed = await pki.issue({
      kind: 'server',
      commonName: 'api.example',
      subjectAltNames: ['DNS:api.example'],
    });
    const other = await createMtlsServer({
      tls: pki.tlsFor(misnamed),
      policy: { commonNames: ['D1-D1KITDEV01-PPR'] },
      handler: (_req, res) => res.end('ok'),
    });
    const url = `https://127.0.0.1:${await listen(other.server)}/`;
    const plain = createMtlsAgent(pki.clientTls);
    const named = createMtlsAgent(pki.clientTls, { servername: 'api.example' });
    try {
      await expect(request(url, { dispatcher: plain })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      const response = await request(url, { dispatcher: named });
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'ok']);
    } finally {
      await Promise.all([plain.close(), named.close(), other.close()]);
    }
  });

  it('holds the protocol floor it is given', async () => {
    const tls12Only = await createMtlsServer({
      tls: pki.serverTls,
      policy: { commonNames: ['D1-D1KITDEV01-PPR'] },
      handler: (_req, res) => res.end('ok'),
    });
    tls12Only.server.setSecureContext({ ...pki.serverTls, maxVersion: 'TLSv1.2' });
    const url = `https://localhost:${await listen(tls12Only.server)}/`;
    const strict = createMtlsAgent(pki.clientTls, { minVersion: 'TLSv1.3' });
    const normal = createMtlsAgent(pki.clientTls);
    try {
      await expect(request(url, { dispatcher: strict })).rejects.toMatchObject({
        code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      });
      expect((await request(url, { dispatcher: normal })).statusCode).toBe(200);
    } finally {
      await Promise.all([strict.close(), normal.close(), tls12Only.close()]);
    }
  });

  it('refuses bad options and bad material with typed errors', () => {
    expect(() => createMtlsAgent(pki.clientTls, { connections: 0 })).toThrowError(
      expect.objectContaining({ code: 'MTLS_INVALID_OPTIONS' }),
    );
    expect(() => createMtlsAgent(pki.clientTls, { minVersion: 'TLSv1.1' })).toThrowError(
      /TLSv1.2 or TLSv1.3/,
    );
    expect(() => createMtlsAgent({ ...pki.clientTls, key: pki.server.key })).toThrowError(
      expect.objectContaining({ code: 'MTLS_KEY_CERT_MISMATCH' }),
    );
    expect(() => createMtlsAgent({ ...pki.clientTls, ca: '' })).toThrowError(
      expect.objectContaining({ code: 'MTLS_FILE_INVALID' }),
    );
  });
});
