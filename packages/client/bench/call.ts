// Time per call of the d1kit client against raw undici.request to the same local mTLS simulator, in the
// same run, with and without JWE. Loopback only, bounded (a few thousand calls). Run: pnpm --filter @d1kit/client bench
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { encrypt, importRecipientKey } from '@d1kit/jwe';
import { createMtlsAgent } from '@d1kit/mtls';
import { request } from 'undici';
import { createD1Client } from '../src/index.js';
import { createTestEnvironment } from '../src/testing/index.js';

const CALLS = 1500;
const WARM_UP = 100;

const env = await createTestEnvironment({ validateResponses: false });
const agent = createMtlsAgent(env.pki.clientTls);
// One mTLS agent (one connection pool) for the raw baseline and the clients alike.
const shared = { ...env.clientOptions, tls: undefined, dispatcher: agent };
const production = createD1Client({ ...shared, validateResponses: false });
const validating = createD1Client({ ...shared, validateResponses: true });
const recipient = await importRecipientKey(env.d1Key.publicJwk);
const token = (await production.tokenProvider!.getToken()).accessToken;
const base = `${env.server.url}/banking/v2/issuers/${env.issuerId}/cards`;
const CARD = { pan: '4111111111111111', exp: '1229' };
const REGISTER = { consumerId: 'bench-consumer', cardProductId: 'bench-product' };

async function raw(method: 'GET' | 'PUT', url: string, body?: unknown): Promise<number> {
  const response = await request(url, {
    method,
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'x-correlation-id': randomBytes(16).toString('base64url'),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  if (text) JSON.parse(text);
  return response.statusCode;
}

type Case = readonly [name: string, run: () => Promise<unknown>];
const cases = {
  rawGet: ['raw undici.request GET card', () => raw('GET', `${base}/bench-card`)],
  clientGet: ['d1.cards.get (validateResponses off)', () => production.cards.get('bench-card')],
  clientGetValidating: ['d1.cards.get (validateResponses on)', () => validating.cards.get('bench-card')],
  rawJwe: [
    'raw encrypt + undici.request PUT register',
    async () =>
      raw('PUT', `${base}/bench-card`, {
        ...REGISTER,
        encryptedData: await encrypt(JSON.stringify(CARD), recipient),
      }),
  ],
  clientJwe: [
    'd1.cards.register with card plaintext',
    () => production.cards.register('bench-card', { ...REGISTER, card: CARD }),
  ],
} satisfies Record<string, Case>;

/** Milliseconds of one call. */
async function timeCall(run: Case[1]): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * q)]!;

try {
  // Make sure every path answers as expected before timing it.
  if (
    (await raw('PUT', `${base}/bench-card`, {
      ...REGISTER,
      encryptedData: await encrypt(JSON.stringify(CARD), recipient),
    })) !== 204
  ) {
    throw new Error('raw register failed');
  }
  if (!(await production.cards.get('bench-card')).ok) throw new Error('client get failed');
  for (const [, run] of Object.values(cases)) for (let i = 0; i < WARM_UP; i++) await run();

  type Key = keyof typeof cases;
  /** Each client case runs call by call alternating with its raw baseline, so both see the same machine. */
  const pairs: [client: Key, baseline: Key][] = [
    ['clientGet', 'rawGet'],
    ['clientGetValidating', 'rawGet'],
    ['clientJwe', 'rawJwe'],
  ];
  const load = loadavg()[0]!;
  const cpuStart = process.cpuUsage();
  const measured = [];
  for (const [client, baseline] of pairs) {
    const times = { client: [] as number[], baseline: [] as number[] };
    for (let i = 0; i < CALLS; i++) {
      if (i % 2 === 0) {
        times.client.push(await timeCall(cases[client][1]));
        times.baseline.push(await timeCall(cases[baseline][1]));
      } else {
        times.baseline.push(await timeCall(cases[baseline][1]));
        times.client.push(await timeCall(cases[client][1]));
      }
    }
    measured.push(times);
  }
  const cpu = process.cpuUsage(cpuStart);
  // Medians of single calls: a call preempted by another process lands in the tail, not in the median.
  const line = (key: Key, times: number[], baseline?: number[]) => {
    const median = quantile(times, 0.5);
    const p90 = quantile(times, 0.9);
    const figures = `${median.toFixed(3)} ms/call (p90 ${p90.toFixed(3)})  ${(1000 / median).toFixed(0).padStart(5)} calls/s`;
    const ratio = baseline
      ? `  ${(median / quantile(baseline, 0.5)).toFixed(2)}× raw, +${((median - quantile(baseline, 0.5)) * 1000).toFixed(0)} µs`
      : '  baseline';
    console.log(`  ${cases[key][0].padEnd(46)} ${figures}${ratio}`);
  };
  console.log(
    `Node ${process.version}, loopback HTTPS + mTLS (P-256), ${CALLS} calls per case, sequential, alternating with the baseline`,
  );
  console.log(
    `load average ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
  );
  for (const [index, [client, baseline]] of pairs.entries()) {
    console.log(
      index === 2 ? 'With JWE (PUT register card, ECDH-ES + A256GCM per call):' : 'Without JWE (GET card):',
    );
    line(baseline, measured[index]!.baseline);
    line(client, measured[index]!.client, measured[index]!.baseline);
  }
  const goal = quantile(measured[0]!.client, 0.5) / quantile(measured[0]!.baseline, 0.5);
  console.log(`Goal ≤ 1.15× without JWE: ${goal.toFixed(2)}× (${goal <= 1.15 ? 'met' : 'not met'})`);
} finally {
  await production.close();
  await validating.close();
  await agent.close();
  await env.close();
}
