// Round trips per second of the D1 JWE profile: the package vs a raw node:crypto implementation (the
// baseline) vs jose used naively (JWK imported on every call), 1 and 16 in flight, in one process.
// Bounded: a fixed time budget per measurement, loopback-free (no network at all).
import { CompactEncrypt, compactDecrypt } from 'jose';
import {
  decrypt,
  encrypt,
  generateKeyPair,
  importDecryptionKeySet,
  importRecipientKey,
} from '../src/index.js';
import { rawDecrypt, rawEncrypt, rawKeySet, rawRecipient } from './raw-baseline.js';

const BUDGET_MS = Number(process.env.BENCH_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 16];

const pair = await generateKeyPair({ kid: 'bench-2026' });
const recipient = await importRecipientKey(pair.publicJwk);
const keySet = await importDecryptionKeySet([pair.privateJwk]);
const raw = { recipient: rawRecipient(pair.publicJwk), keys: rawKeySet([pair.privateJwk]) };
const plaintext = new TextEncoder().encode(
  JSON.stringify({ pan: '4111111111111111', exp: '0629', name: 'A N Other', cvv: '123' }),
);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

type RoundTrip = () => Promise<void>;
const implementations: Record<string, RoundTrip> = {
  baseline: async () => {
    rawDecrypt(rawEncrypt(plaintext, raw.recipient), raw.keys);
  },
  package: async () => {
    await decrypt(await encrypt(plaintext, recipient), keySet);
  },
  'jose, import per call': async () => {
    const jwe = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: pair.kid })
      .encrypt({ ...pair.publicJwk });
    await compactDecrypt(
      jwe,
      { ...pair.privateJwk },
      { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: ['A256GCM'] },
    );
  },
};

async function verifyInterop(): Promise<void> {
  const expected = text(plaintext);
  const fromBaseline = text((await decrypt(rawEncrypt(plaintext, raw.recipient), keySet)).plaintext);
  const fromPackage = text(rawDecrypt(await encrypt(plaintext, recipient), raw.keys));
  if (fromBaseline !== expected || fromPackage !== expected)
    throw new Error('baseline and package do not interoperate');
  console.log('interop: baseline -> package ok, package -> baseline ok');
}

async function measure(
  roundTrip: RoundTrip,
  inFlight: number,
): Promise<{ opsPerSecond: number; cpuMicros: number }> {
  for (let i = 0; i < 50; i++) await roundTrip();
  let done = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + BUDGET_MS;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await roundTrip();
        done++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { opsPerSecond: (done / elapsed) * 1000, cpuMicros: (cpu.user + cpu.system) / done };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await verifyInterop();
console.log(
  `budget ${BUDGET_MS} ms per measurement, ${ROUNDS} interleaved rounds, median shown; CPU = process CPU time per round trip`,
);
for (const inFlight of CONCURRENCY) {
  const results = new Map<string, { ops: number[]; cpu: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, roundTrip] of Object.entries(implementations)) {
      const { opsPerSecond, cpuMicros } = await measure(roundTrip, inFlight);
      const entry = results.get(name) ?? { ops: [], cpu: [] };
      entry.ops.push(opsPerSecond);
      entry.cpu.push(cpuMicros);
      results.set(name, entry);
    }
  }
  const baseline = median(results.get('baseline')!.ops);
  console.log(`\n${inFlight} in flight`);
  for (const [name, { ops, cpu }] of results) {
    const value = median(ops);
    console.log(
      `  ${name.padEnd(24)} ${value.toFixed(0).padStart(6)} round trips/s  ${median(cpu).toFixed(0).padStart(5)} µs CPU  ratio ${(value / baseline).toFixed(2)}x`,
    );
  }
}
