// What a new mTLS connection costs next to a request on a kept-alive one, for both D1 key types,
// through the package's own server (policy check included) and agent. Loopback only, bounded by count.
// Prints requests/s and the ratio to the kept-alive baseline measured in the same run.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import { type Agent, request } from 'undici';
import { createDevPki, createMtlsAgent, createMtlsServer, type DevPki } from '../src/index.js';

const KEPT_ALIVE = Number(process.env.BENCH_KEEPALIVE_REQUESTS ?? 4000);
const FRESH = Number(process.env.BENCH_FRESH_REQUESTS ?? 600);
const IN_FLIGHT = 8;

async function serve(pki: DevPki): Promise<{ port: number; close: () => Promise<void> }> {
  const mtls = await createMtlsServer({
    tls: pki.serverTls,
    policy: { commonNames: ['D1-D1KITDEV01-PPR'] },
    handler: (_req, res) => res.end('ok'),
  });
  await new Promise<void>((resolve) => mtls.server.listen(0, '127.0.0.1', resolve));
  const address = mtls.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => mtls.close() };
}

async function rate(count: number, once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i += 1) await once();
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (started < count) {
        started += 1;
        await once();
      }
    }),
  );
  return (count / (performance.now() - begin)) * 1000;
}

/** A full handshake every time: no agent, no session reuse (the client context is built once). */
function fullHandshake(port: number, secureContext: SecureContext): Promise<void> {
  // https passes secureContext through to tls.connect; its RequestOptions type does not list it.
  const options: RequestOptions = { host: '127.0.0.1', servername: 'localhost', port, agent: false };
  Object.assign(options, { secureContext });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(options, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function viaAgent(agent: Agent, port: number, reset: boolean): Promise<void> {
  const response = await request(`https://localhost:${port}/`, { dispatcher: agent, reset });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
}

const ecPki = await createDevPki();
const rsaPki = await createDevPki({ keyType: 'RSA-4096' });
const [ec, rsa] = await Promise.all([serve(ecPki), serve(rsaPki)]);
const agent = createMtlsAgent(ecPki.clientTls, { connections: IN_FLIGHT });
const context = (pki: DevPki) =>
  createSecureContext({ cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert });
const [ecContext, rsaContext] = [context(ecPki), context(rsaPki)];

try {
  const baseline = await rate(KEPT_ALIVE, () => viaAgent(agent, ec.port, false));
  const rows: [string, number][] = [
    ['agent, kept-alive connection, P-256 (baseline)', baseline],
    [
      'agent, new connection (TLS resumption), P-256',
      await rate(FRESH, () => viaAgent(agent, ec.port, true)),
    ],
    ['full mTLS handshake per request, P-256', await rate(FRESH, () => fullHandshake(ec.port, ecContext))],
    [
      'full mTLS handshake per request, RSA-4096',
      await rate(FRESH, () => fullHandshake(rsa.port, rsaContext)),
    ],
  ];
  console.log(`mTLS requests over loopback, ${IN_FLIGHT} in flight (Node ${process.version})`);
  for (const [name, value] of rows) {
    console.log(
      `${name.padEnd(48)} ${value.toFixed(0).padStart(7)} req/s   ${(value / baseline).toFixed(3)}x`,
    );
  }
} finally {
  await agent.close();
  await Promise.all([ec.close(), rsa.close()]);
}
