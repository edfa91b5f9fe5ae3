// Round trips per second of the D1 JWE profile: the package vs a raw node:crypto implementation (the
// baseline) vs jose used naively (JWK imported on every call), 1 and 16 in flight, in one process.
// Bounded: a fixed time budget per measurement, loopback-free (no network at all). CPU is split into the
// JavaScript thread and the rest (threadpool), and the CPU-bound ceiling on this machine is printed.
import { availableParallelism, loadavg } from 'node:os';
import { CompactEncrypt, compactDecrypt } from 'jose';
import {
  decrypt,
  encrypt,
  generateKeyPair,
  importDecryptionKeySet,
  importRecipientKey,
} from '../src/index.js';
import { rawDecrypt, rawEncrypt, rawKeySet, rawRecipient } from './raw-baseline.js';
import { cpuPerOperation, cpuSnapshot } from './thread-cpu.js';

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

interface Measurement {
  readonly opsPerSecond: number;
  readonly cpuMicros: number;
  readonly mainMicros: number | undefined;
}

async function measure(roundTrip: RoundTrip, inFlight: number): Promise<Measurement> {
  for (let i = 0; i < 50; i++) await roundTrip();
  let done = 0;
  const started = performance.now();
  const cpuBefore = cpuSnapshot();
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
  const cpu = cpuPerOperation(cpuBefore, done);
  return { opsPerSecond: (done / elapsed) * 1000, cpuMicros: cpu.total, mainMicros: cpu.main };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const load = () => loadavg()[0]!.toFixed(2);
const cores = availableParallelism();

await verifyInterop();
console.log(
  `budget ${BUDGET_MS} ms per measurement, ${ROUNDS} interleaved rounds, median shown; ${cores} cores, load ${load()}`,
);
console.log('CPU = process CPU time per round trip (all threads); main = the JavaScript thread alone');
const medians = new Map<string, { cpu: number; main: number | undefined }>();
for (const inFlight of CONCURRENCY) {
  const results = new Map<string, Measurement[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, roundTrip] of Object.entries(implementations)) {
      results.set(name, [...(results.get(name) ?? []), await measure(roundTrip, inFlight)]);
    }
  }
  const baseline = median(results.get('baseline')!.map((m) => m.opsPerSecond));
  console.log(`\n${inFlight} in flight`);
  for (const [name, runs] of results) {
    const value = median(runs.map((m) => m.opsPerSecond));
    const cpu = median(runs.map((m) => m.cpuMicros));
    const mains = runs.map((m) => m.mainMicros).filter((m) => m !== undefined);
    const main = mains.length === runs.length ? median(mains) : undefined;
    medians.set(name, { cpu, main });
    const mainText = main === undefined ? '' : `  main ${main.toFixed(0).padStart(4)} µs`;
    console.log(
      `  ${name.padEnd(24)} ${value.toFixed(0).padStart(6)} round trips/s  CPU ${cpu.toFixed(0).padStart(4)} µs${mainText}  ratio ${(value / baseline).toFixed(2)}x`,
    );
  }
}

// What no arrangement of the same work can beat, from the 16-in-flight CPU figures: the baseline is
// synchronous, so it is bounded by one core; the package by all cores (workers, threadpool) and, in one
// process, by its JavaScript thread. Measured throughput sits below these when other processes compete.
const base = medians.get('baseline')!;
const pkg = medians.get('package')!;
const anyThreading = (cores * base.cpu) / pkg.cpu;
const oneProcess = base.main !== undefined && pkg.main !== undefined ? base.main / pkg.main : undefined;
console.log(
  `\nCPU-bound ceiling of the package vs the baseline at full concurrency: ${anyThreading.toFixed(2)}x using all ${cores} cores` +
    (oneProcess === undefined
      ? ''
      : `, ${Math.min(oneProcess, anyThreading).toFixed(2)}x in one JavaScript thread`) +
    `; load now ${load()}`,
);
