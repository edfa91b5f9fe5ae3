// Cost of the cached getToken() path, against a plain Map lookup in the same run. The provider is
// warmed with one token from an in-memory fetch, so no request is made while measuring.
import { generateKeyPairSync } from 'node:crypto';
import { createAssertionSigner, createTokenProvider, type FetchLike } from '../src/index.js';
import { compare, type Result, report } from './harness.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createAssertionSigner({ issuerId: 'ISSUER0001', key: { kid: 'k1', privateKey } });
let requests = 0;
const fetch: FetchLike = async () => {
  requests += 1;
  return new Response(
    JSON.stringify({ access_token: 'cached-token', expires_in: 900, token_type: 'Bearer' }),
    {
      status: 200,
    },
  ) as unknown as Awaited<ReturnType<FetchLike>>;
};
const provider = createTokenProvider({ signer, tokenUrl: 'https://127.0.0.1/authz/v1/oauth2/token', fetch });
await provider.getToken();

const map = new Map([['d1', { accessToken: 'cached-token' }]]);
const BATCH = 10_000;
let sink = 0;

const [syncMap, awaitedMap, cached, concurrentCached] = (await compare([
  [
    'Map.get (synchronous)',
    () => {
      for (let i = 0; i < BATCH; i++) sink += map.get('d1')?.accessToken.length ?? 0;
      return BATCH;
    },
  ],
  [
    'await Map.get (same async shape as getToken)',
    async () => {
      for (let i = 0; i < BATCH; i++) sink += (await map.get('d1'))?.accessToken.length ?? 0;
      return BATCH;
    },
  ],
  [
    'await provider.getToken() (cached)',
    async () => {
      for (let i = 0; i < BATCH; i++) sink += (await provider.getToken()).accessToken.length;
      return BATCH;
    },
  ],
  [
    'provider.getToken() x1000 via Promise.all (cached)',
    async () => {
      const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()));
      sink += tokens.length;
      return 1000;
    },
  ],
])) as [Result, Result, Result, Result];

if (requests !== 1) throw new Error(`expected 1 token request while benchmarking, saw ${requests}`);
console.log(`Node ${process.version}; token requests during the run: ${requests} (checksum ${sink % 7})`);
report('Cached getToken() against a synchronous Map lookup', syncMap, [awaitedMap, cached, concurrentCached]);
report('Cached getToken() against an awaited Map lookup', awaitedMap, [cached]);
