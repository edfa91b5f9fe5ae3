// Where the time of a jose round trip goes: the WebCrypto calls jose makes, each next to the node:crypto
// call a hand-written implementation would use, plus the cost of the package's own pre-checks.
// Prints CPU µs per call (process CPU time, all threads) at 1 and 16 in flight. Bounded by call count.
import { createECDH, createHash, createPublicKey, webcrypto } from 'node:crypto';
import { checkCompactJwe } from '../src/header.js';
import { encrypt, generateKeyPair, importRecipientKey } from '../src/index.js';

const { subtle } = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

async function cost(inFlight: number, call: (i: number) => unknown): Promise<{ cpu: number; wall: number }> {
  for (let i = 0; i < 100; i++) await call(i);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < CALLS) await call(next++);
    }),
  );
  const wall = ((performance.now() - started) * 1000) / CALLS;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpu: (cpu.user + cpu.system) / CALLS, wall };
}

const recipientPair = (await subtle.generateKey(P256, true, ['deriveBits'])) as CryptoKeyPair;
const ephemerals = await Promise.all(
  Array.from({ length: 64 }, () => subtle.generateKey(P256, true, ['deriveBits']) as Promise<CryptoKeyPair>),
);
const recipientJwk = await subtle.exportKey('jwk', recipientPair.publicKey);
const clones: CryptoKey[] = await Promise.all(
  Array.from({ length: 4 }, () => subtle.importKey('jwk', recipientJwk, P256, true, [])),
);
const epkJwk = await subtle.exportKey('jwk', ephemerals[0]!.publicKey);
const rawPeer = createECDH('prime256v1');
rawPeer.generateKeys();
const rawPoint = rawPeer.getPublicKey();
const rawOwn = createECDH('prime256v1');
rawOwn.generateKeys();
const pair = await generateKeyPair({ kid: 'bench' });
const sample = await encrypt(
  '{"pan":"4111111111111111","exp":"0629"}',
  await importRecipientKey(pair.publicJwk),
);

const rows: [string, (i: number) => unknown][] = [
  ['webcrypto generateKey (ephemeral)', () => subtle.generateKey(P256, true, ['deriveBits'])],
  ['node createECDH().generateKeys()', () => createECDH('prime256v1').generateKeys()],
  ['webcrypto importKey epk JWK', () => subtle.importKey('jwk', epkJwk, P256, true, [])],
  [
    'node createPublicKey epk JWK',
    () => createPublicKey({ key: epkJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
  ],
  ['package pre-checks (incl. point)', () => checkCompactJwe(sample)],
  [
    'webcrypto deriveBits, one recipient handle',
    (i) =>
      subtle.deriveBits(
        { name: 'ECDH', public: recipientPair.publicKey },
        ephemerals[i % 64]!.privateKey,
        256,
      ),
  ],
  [
    'webcrypto deriveBits, 4 recipient handles',
    (i) => subtle.deriveBits({ name: 'ECDH', public: clones[i % 4]! }, ephemerals[i % 64]!.privateKey, 256),
  ],
  ['node ecdh.computeSecret', () => rawOwn.computeSecret(rawPoint)],
  ['webcrypto digest SHA-256 (Concat KDF)', () => subtle.digest('SHA-256', new Uint8Array(51))],
  ['node createHash sha256', () => createHash('sha256').update(new Uint8Array(51)).digest()],
];

console.log(`${CALLS} calls each; CPU µs per call (all threads) / wall µs per call`);
console.log(`${'operation'.padEnd(44)} ${'1 in flight'.padStart(16)} ${'16 in flight'.padStart(16)}`);
for (const [name, call] of rows) {
  const one = await cost(1, call);
  const many = await cost(16, call);
  const cell = (r: { cpu: number; wall: number }) =>
    `${r.cpu.toFixed(0)} / ${r.wall.toFixed(0)}`.padStart(16);
  console.log(`${name.padEnd(44)} ${cell(one)} ${cell(many)}`);
}
