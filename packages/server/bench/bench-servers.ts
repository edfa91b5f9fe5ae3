// Child process of full-stack.ts: the two servers under test, on the same mTLS options and one core.
// Reports its ports and the cold start (import and createIssuerApp) to the parent over IPC.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from '@d1kit/mtls';
import type { Express } from 'express';

const importStarted = performance.now();
const server = await import('../src/index.js');
const { createMtlsServerOptions, d1CommonNameRule } = await import('@d1kit/mtls');
const { hashClientSecret, KeyRing } = await import('@d1kit/token');
const express = (await import('express')).default;
const importMs = performance.now() - importStarted;

const { generateKeyPairSync } = await import('node:crypto');

interface Setup {
  readonly serverTls: TlsMaterial;
  readonly clientId: string;
  readonly clientSecret: string;
}

const setup = await new Promise<Setup>((resolve) =>
  process.once('message', (message) => resolve(message as Setup)),
);

function listen(app: Express): Promise<Server> {
  const https = createServer({ ...createMtlsServerOptions(setup.serverTls), keepAliveTimeout: 30_000 }, app);
  return new Promise((resolve) => https.listen(0, '127.0.0.1', () => resolve(https)));
}

// Baseline: Express over the same mTLS, parsing the same JSON, answering the same 204s, checking nothing.
const bare = express();
bare.disable('x-powered-by');
bare.set('etag', false);
bare.post('/notifications/d1/v2/issuers/:issuerId/cards', express.json(), (_req, res) => {
  res.status(204).end();
});
bare.post('/cms/api/v1/issuers/:issuerId/physicalCards/:cardId/activate', (_req, res) => {
  res.status(204).end();
});

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const tokenEndpoint = {
  clients: [
    {
      clientId: setup.clientId,
      secretHash: await hashClientSecret(setup.clientSecret, { logN: 10, r: 8, p: 1 }),
    },
  ],
  keys: new KeyRing({ current: { kid: 'bench-k1', privateKey } }),
  issuer: 'https://issuer.bench/authz/d1/v1',
  audience: 'https://issuer.bench',
};
const createStarted = performance.now();
const full = await server.createIssuerApp({
  auth: { mtls: { rules: [d1CommonNameRule()] }, bearer: 'required', tokenEndpoint },
  validateResponses: true,
  logger: { info: () => {}, warn: () => {}, error: (fields, message) => console.error(message, fields) },
  handlers: {
    // Answer at once, like the bare endpoint: the comparison is the stack, not the handler's work.
    notifyCardOperations: () => ({ status: 204 }),
    ActivateCard: () => ({ status: 204 }),
  },
});
const createMs = performance.now() - createStarted;

const [bareServer, fullServer] = await Promise.all([listen(bare), listen(full)]);
process.send?.({
  barePort: (bareServer.address() as AddressInfo).port,
  fullPort: (fullServer.address() as AddressInfo).port,
  importMs,
  createMs,
});
// The parent asks for CPU time around each round: the server's own cost per request, which other load on
// the machine disturbs far less than throughput.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.once('disconnect', () => process.exit(0));
