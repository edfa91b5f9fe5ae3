// Throughput of the full @d1kit/server stack (mTLS keep-alive + bearer + request and response
// validation) against a bare Express endpoint over the same mTLS, measured in the same run.
// The servers run in a child process and the load generator here, so each side has one core.
// Loopback only; bounded: 3 interleaved rounds of 3 s per target and scenario.
// Run: pnpm --filter @d1kit/server bench
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDevPki, createMtlsAgent } from '@d1kit/mtls';
import { request } from 'undici';

const ROUNDS = 3;
const ROUND_MS = 3_000;
const WARMUP_MS = 1_000;
const IN_FLIGHT = 16;
const ISSUER_ID = 'D1KITDEV01';
const CLIENT = { clientId: 'd1-bench', clientSecret: 'bench-secret-value-0123456789' };

const pki = await createDevPki();
const child = fork(fileURLToPath(new URL('./bench-servers.ts', import.meta.url)), {
  execArgv: [
    '--import',
    'tsx',
    ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/d1prof'] : []),
  ],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
// A plain copy: the dev PKI's material redacts its key when serialised, and IPC serialises.
child.send({ serverTls: { ...pki.serverTls }, ...CLIENT });
const ready = await new Promise<{ barePort: number; fullPort: number; importMs: number; createMs: number }>(
  (resolve, reject) => {
    child.once('message', (message) => resolve(message as never));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  },
);

const agent = createMtlsAgent(pki.clientTls, { connections: IN_FLIGHT, keepAliveTimeout: 30_000 });
const origin = (port: number) => `https://localhost:${port}`;

const tokenReply = await request(`${origin(ready.fullPort)}/authz/d1/v1/oauth2/token`, {
  method: 'POST',
  dispatcher: agent,
  headers: {
    authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials',
});
const token = ((await tokenReply.body.json()) as { access_token: string }).access_token;

interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly body?: string;
}
const notification = JSON.stringify({
  operations: [
    {
      operationId: '01c5a05e-2b1c-4d5e-9f00-aa11bb22cc33',
      operation: 'PRODUCE',
      status: 'PENDING',
      startTime: '2025-01-17T06:28:02.492Z',
      cardId: '271b-6e47-8ec3-7f3f',
      details: { status: 'CARD_PROD_REQUESTED' },
    },
  ],
});
const scenarios: Scenario[] = [
  {
    name: 'notifyCardOperations (JSON body, 204)',
    path: `/notifications/d1/v2/issuers/${ISSUER_ID}/cards`,
    body: notification,
  },
  {
    name: 'ActivateCard (no body, 204)',
    path: `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/card-1/activate`,
  },
];

function serverCpuMicros(): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      child.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

interface Round {
  readonly rate: number;
  /** Server CPU time per request, microseconds. */
  readonly cpu: number;
}

async function load(port: number, scenario: Scenario, ms: number): Promise<Round> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-correlation-id': 'bench' };
  if (scenario.body) headers['content-type'] = 'application/json';
  const url = `${origin(port)}${scenario.path}`;
  const deadline = performance.now() + ms;
  let done = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const reply = await request(url, { method: 'POST', dispatcher: agent, headers, body: scenario.body });
      await reply.body.dump();
      if (reply.statusCode !== 204)
        throw new Error(`${scenario.name}: unexpected status ${reply.statusCode}`);
      done += 1;
    }
  };
  const cpuBefore = await serverCpuMicros();
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await serverCpuMicros()) - cpuBefore;
  return { rate: done / elapsed, cpu: cpu / done };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);

console.log(
  `Node ${process.version}, ${IN_FLIGHT} requests in flight over mTLS keep-alive (P-256 dev PKI), ` +
    `median of ${ROUNDS} interleaved ${ROUND_MS / 1000} s rounds; servers in a child process.`,
);
console.log(
  `Cold start in the server process: import ${Math.round(ready.importMs)} ms, createIssuerApp (load and compile ` +
    `all 4 outbound specs) ${Math.round(ready.createMs)} ms.\n`,
);
try {
  for (const scenario of scenarios) {
    await load(ready.barePort, scenario, WARMUP_MS);
    await load(ready.fullPort, scenario, WARMUP_MS);
    const bare: Round[] = [];
    const full: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await load(ready.barePort, scenario, ROUND_MS));
      full.push(await load(ready.fullPort, scenario, ROUND_MS));
    }
    const [bareRate, fullRate] = [median(bare.map((r) => r.rate)), median(full.map((r) => r.rate))];
    const [bareCpu, fullCpu] = [median(bare.map((r) => r.cpu)), median(full.map((r) => r.cpu))];
    const ratio = fullRate / bareRate;
    console.log(scenario.name);
    console.log(
      `  bare Express, same mTLS   ${fmt(bareRate)} req/s  1.00x baseline   server CPU ${fmt(bareCpu)} µs/req`,
    );
    console.log(
      `  @d1kit/server full stack  ${fmt(fullRate)} req/s  ${ratio.toFixed(2)}x${' '.repeat(10)}server CPU ${fmt(fullCpu)} µs/req` +
        `  (goal >= 0.80x ${ratio >= 0.8 ? 'met' : 'NOT met'}; by CPU ${(bareCpu / fullCpu).toFixed(2)}x)`,
    );
  }
} finally {
  await agent.close();
  child.disconnect();
}
