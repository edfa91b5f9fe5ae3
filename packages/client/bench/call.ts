// Time per call of the d1kit client against raw undici.request to the same local mTLS simulator, in the
// same run, with and without JWE. Loopback only, bounded (a few thousand calls). Run: pnpm --filter @d1kit/client bench
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { encrypt, importRecipientKey } from '@d1kit/jwe';
import { createMtlsAgent } from '@d1kit/mtls';
import { request } from 'undici';
import { createD1Client } from '../src/index.js';
import { createTestEnvironment } from '../src/testing/index.js';

const ROUNDS = 24;
const CALLS_PER_ROUND = 50;
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

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/** Wall and CPU milliseconds per call. CPU time includes the in-process server, the same for every case. */
async function timeRound(run: Case[1], calls: number): Promise<Sample> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / calls, cpu: (cpu.user + cpu.system) / 1000 / calls };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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
  /** Each client case is timed right next to its raw baseline, alternating which goes first. */
  const pairs: [client: Key, baseline: Key][] = [
    ['clientGet', 'rawGet'],
    ['clientGetValidating', 'rawGet'],
    ['clientJwe', 'rawJwe'],
  ];
  const measured = pairs.map(() => ({ client: [] as Sample[], baseline: [] as Sample[] }));
  const load = loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [client, baseline]] of pairs.entries()) {
      const order: ['client' | 'baseline', Key][] =
        round % 2 === 0
          ? [
              ['client', client],
              ['baseline', baseline],
            ]
          : [
              ['baseline', baseline],
              ['client', client],
            ];
      for (const [side, key] of order)
        measured[index]![side].push(await timeRound(cases[key][1], CALLS_PER_ROUND));
    }
  }
  const pick = { wall: (s: Sample) => s.wall, cpu: (s: Sample) => s.cpu };
  // Median of the per-round ratios: load that changes between rounds cancels out within each pair.
  const ratio = (index: number, by: (s: Sample) => number) =>
    median(
      measured[index]!.client.map((sample, round) => by(sample) / by(measured[index]!.baseline[round]!)),
    );
  const figures = (key: Key, samples: Sample[]) => {
    const wall = median(samples.map(pick.wall));
    const cpu = median(samples.map(pick.cpu));
    return `${cases[key][0].padEnd(46)} ${wall.toFixed(3)} ms/call ${(1000 / wall).toFixed(0).padStart(5)} ops/s  cpu ${cpu.toFixed(3)} ms`;
  };
  console.log(
    `Node ${process.version}, loopback HTTPS + mTLS (P-256), ${ROUNDS} rounds × ${CALLS_PER_ROUND} sequential calls per case, load average ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log('Times are medians over rounds; ratios are medians of per-round client/raw ratios.');
  for (const [index, [client, baseline]] of pairs.entries()) {
    console.log(
      index === 2 ? 'With JWE (PUT register card, ECDH-ES + A256GCM per call):' : 'Without JWE (GET card):',
    );
    console.log(`  ${figures(baseline, measured[index]!.baseline)}  baseline`);
    const ratios = `${ratio(index, pick.wall).toFixed(2)}× wall  ${ratio(index, pick.cpu).toFixed(2)}× cpu`;
    console.log(`  ${figures(client, measured[index]!.client)}  ${ratios}`);
  }
  const goal = ratio(0, pick.wall);
  const goalCpu = ratio(0, pick.cpu);
  console.log(
    `Goal ≤ 1.15× without JWE: ${goal.toFixed(2)}× wall, ${goalCpu.toFixed(2)}× cpu (${Math.max(goal, goalCpu) <= 1.15 ? 'met' : 'not met'})`,
  );
} finally {
  await production.close();
  await validating.close();
  await agent.close();
  await env.close();
}
