// Time per call of the d1kit client against raw undici.request to the same local mTLS simulator, in the
// same run, with and without JWE. Loopback only, bounded (a few thousand calls). Run: pnpm --filter @d1kit/client bench
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { encrypt, importRecipientKey } from '@d1kit/jwe';
import { createMtlsAgent } from '@d1kit/mtls';
import { request } from 'undici';
import { createD1Client } from '../src/index.js';
import { createTestEnvironment } from '../src/testing/index.js';

const ROUNDS = 31;
const CALLS_PER_ROUND = 50;
const WARM_UP = 100;

const env = await createTestEnvironment({ validateResponses: false });
const agent = createMtlsAgent(env.pki.clientTls);
const production = createD1Client({ ...env.clientOptions, validateResponses: false });
const validating = createD1Client({ ...env.clientOptions, validateResponses: true });
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
  const samples = Object.fromEntries(Object.keys(cases).map((key) => [key, [] as Sample[]])) as Record<
    Key,
    Sample[]
  >;
  const load = loadavg()[0]!;
  const keys = Object.keys(cases) as Key[];
  // Short interleaved rounds in a rotating order: a change in machine load hits every case alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(round + i) % keys.length]!;
      samples[key].push(await timeRound(cases[key][1], CALLS_PER_ROUND));
    }
  }
  const wall = (key: Key) => median(samples[key].map((s) => s.wall));
  const cpu = (key: Key) => median(samples[key].map((s) => s.cpu));
  // Ratio per round, then the median: robust against load that drifts between rounds.
  const ratio = (key: Key, baseline: Key, pick: (s: Sample) => number) =>
    median(samples[key].map((sample, round) => pick(sample) / pick(samples[baseline][round]!)));
  const line = (key: Key, baseline?: Key) => {
    const ratios = baseline
      ? `${ratio(key, baseline, (s) => s.wall).toFixed(2)}× wall  ${ratio(key, baseline, (s) => s.cpu).toFixed(2)}× cpu`
      : 'baseline';
    const name = cases[key][0].padEnd(46);
    const figures = `${wall(key).toFixed(3)} ms/call ${(1000 / wall(key)).toFixed(0).padStart(5)} ops/s  cpu ${cpu(key).toFixed(3)} ms`;
    console.log(`  ${name} ${figures}  ${ratios}`);
  };
  console.log(
    `Node ${process.version}, loopback HTTPS + mTLS (P-256), medians of ${ROUNDS} interleaved rounds × ${CALLS_PER_ROUND} sequential calls (ratios: median of per-round ratios), load average ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log('Without JWE (GET card):');
  line('rawGet');
  line('clientGet', 'rawGet');
  line('clientGetValidating', 'rawGet');
  console.log('With JWE (PUT register card, ECDH-ES + A256GCM per call):');
  line('rawJwe');
  line('clientJwe', 'rawJwe');
  const goal = ratio('clientGet', 'rawGet', (s) => s.wall);
  const goalCpu = ratio('clientGet', 'rawGet', (s) => s.cpu);
  console.log(
    `Goal ≤ 1.15× without JWE: ${goal.toFixed(2)}× wall, ${goalCpu.toFixed(2)}× cpu (${Math.max(goal, goalCpu) <= 1.15 ? 'met' : 'not met'})`,
  );
} finally {
  await production.close();
  await validating.close();
  await agent.close();
  await env.close();
}
