import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMtlsAgent } from './agent.js';
import { d1CommonNameRule } from './authorizer.js';
import type { MtlsError } from './errors.js';
import type { CheckedTlsMaterial, TlsMaterialFiles } from './material.js';
import { createDevPki, type DevPki } from './pki/dev-pki.js';
import { createMtlsServer, type MtlsServer } from './server.js';
import { listen, requestOnce } from './test-helpers.js';

let dir: string;
let pki: DevPki;
let secondCa: DevPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-mtls-reload-'));
  [pki, secondCa] = await Promise.all([createDevPki(), createDevPki()]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Replaces a file in one step, as secret managers and `kubectl` do. */
async function replace(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

async function filesIn(
  name: string,
  server: { cert: string; key: string },
  ca: string,
): Promise<TlsMaterialFiles> {
  const files = {
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    caFile: join(dir, `${name}-ca.pem`),
  };
  await Promise.all([
    replace(files.certFile, server.cert),
    replace(files.keyFile, server.key),
    replace(files.caFile, ca),
  ]);
  return files;
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

interface Started {
  readonly mtls: MtlsServer;
  readonly port: number;
  readonly files: TlsMaterialFiles;
  readonly reloads: CheckedTlsMaterial[];
  readonly errors: MtlsError[];
}

async function start(
  name: string,
  extra: { minVersion?: 'TLSv1.3'; watch?: boolean } = {},
): Promise<Started> {
  const files = await filesIn(name, pki.server, pki.ca.cert);
  const reloads: CheckedTlsMaterial[] = [];
  const errors: MtlsError[] = [];
  const mtls = await createMtlsServer({
    tls: files,
    policy: { rules: [d1CommonNameRule()] },
    handler: (_req, res) => res.end('ok'),
    ...(extra.minVersion ? { protocol: { minVersion: extra.minVersion } } : {}),
    reload: {
      watch: extra.watch ?? true,
      intervalMs: 20,
      onReload: (material) => reloads.push(material),
      onError: (error) => errors.push(error),
    },
  });
  return { mtls, port: await listen(mtls.server), files, reloads, errors };
}

function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (condition() ? resolve() : setTimeout(poll, 5));
    poll();
  });
}

describe('certificate reload', () => {
  it('swaps server certificates under load, by file change and by explicit call, with zero failed requests', async () => {
    const { mtls, port, files, reloads } = await start('load');
    const keepAlive: Agent = createMtlsAgent(pki.clientTls, { connections: 4 });
    const counts = { ok: 0, failed: 0 };
    const failures: string[] = [];
    const seen = new Set<string>();
    let stop = false;

    const keepAliveWorker = async () => {
      while (!stop) {
        try {
          const response = await request(`https://localhost:${port}/`, { dispatcher: keepAlive });
          const body = await response.body.text();
          if (response.statusCode === 200 && body === 'ok') counts.ok += 1;
          else throw new Error(`status ${response.statusCode}`);
        } catch (error) {
          counts.failed += 1;
          failures.push(String(error));
        }
      }
    };
    const freshConnectionWorker = async () => {
      while (!stop) {
        const outcome = await requestOnce({ port, ca: pki.ca.cert, ...pki.client });
        if (outcome.status === 200) {
          counts.ok += 1;
          seen.add(outcome.serverFingerprint!);
        } else {
          counts.failed += 1;
          failures.push(outcome.errorCode ?? String(outcome.status));
        }
      }
    };
    const workers = [
      ...Array.from({ length: 4 }, keepAliveWorker),
      ...Array.from({ length: 2 }, freshConnectionWorker),
    ];

    const rotations = 6;
    let last = pki.server;
    try {
      for (let i = 0; i < rotations; i += 1) {
        const progress = counts.ok;
        await waitFor(() => counts.ok >= progress + 40);
        last = await pki.issue({ kind: 'server', commonName: 'localhost' });
        const expected = fingerprint(last.cert);
        await replace(files.keyFile, last.key);
        await replace(files.certFile, last.cert);
        if (i % 2 === 0) await mtls.reload();
        else await waitFor(() => reloads.some((m) => m.certificate.fingerprint256 === expected));
        expect(mtls.material.certificate.fingerprint256).toBe(expected);
      }
      const progress = counts.ok;
      await waitFor(() => counts.ok >= progress + 40);
    } finally {
      stop = true;
      await Promise.all(workers);
      await keepAlive.close();
      await mtls.close();
    }

    expect(failures).toEqual([]);
    expect(counts.failed).toBe(0);
    expect(counts.ok).toBeGreaterThanOrEqual(40 * (rotations + 1));
    // New connections saw the rotations take effect, ending on the last certificate.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(seen).toContain(fingerprint(last.cert));
  });

  it('reloads the CA bundle: a client of a newly trusted CA is refused before and accepted after', async () => {
    const { mtls, port, files } = await start('ca', { watch: false });
    try {
      const foreign = { ca: pki.ca.cert, ...secondCa.client, port };
      expect((await requestOnce(foreign)).errorCode).toBe('ECONNRESET');
      await replace(files.caFile, `${pki.ca.cert}${secondCa.ca.cert}`);
      await mtls.reload();
      expect((await requestOnce(foreign)).status).toBe(200);
      expect((await requestOnce({ port, ca: pki.ca.cert, ...pki.client })).status).toBe(200);
    } finally {
      await mtls.close();
    }
  });

  it('keeps serving the previous material when new files are bad, and says which file', async () => {
    const { mtls, port, files, errors } = await start('bad');
    try {
      await replace(files.keyFile, pki.client.key);
      await expect(mtls.reload()).rejects.toMatchObject({ code: 'MTLS_RELOAD_FAILED', file: files.keyFile });
      await expect(mtls.reload()).rejects.toThrowError(
        /previous material kept: the private key in .*bad\.key does not belong/,
      );
      await waitFor(() => errors.length > 0);
      expect(errors[0]).toMatchObject({ code: 'MTLS_RELOAD_FAILED', file: files.keyFile });
      const outcome = await requestOnce({ port, ca: pki.ca.cert, ...pki.client });
      expect([outcome.status, outcome.serverFingerprint]).toEqual([200, fingerprint(pki.server.cert)]);
      await rm(files.caFile);
      await expect(mtls.reload()).rejects.toMatchObject({ code: 'MTLS_RELOAD_FAILED', file: files.caFile });
      expect((await requestOnce({ port, ca: pki.ca.cert, ...pki.client })).status).toBe(200);
    } finally {
      await mtls.close();
    }
  });

  it('stops honouring session tickets issued before a reload, so a removed CA cannot sneak back in', async () => {
    const { mtls, port } = await start('tickets', { watch: false });
    const connectOnce = (session?: Buffer) =>
      new Promise<{ reused: boolean; sessions: Buffer[] }>((resolve, reject) => {
        const sessions: Buffer[] = [];
        const socket = connect({
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: pki.ca.cert,
          ...pki.client,
          ...(session ? { session } : {}),
        });
        socket.on('session', (ticket: Buffer) => sessions.push(ticket));
        socket.on('error', reject);
        let reused = false;
        socket.on('secureConnect', () => {
          reused = socket.isSessionReused();
          socket.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
        });
        socket.on('data', () => undefined);
        socket.on('close', () => resolve({ reused, sessions }));
      });
    try {
      const first = await connectOnce();
      expect(first.sessions.length).toBeGreaterThanOrEqual(2);
      expect((await connectOnce(first.sessions[0])).reused).toBe(true);
      await mtls.reload();
      expect((await connectOnce(first.sessions[1])).reused).toBe(false);
      const after = await connectOnce();
      expect((await connectOnce(after.sessions[0])).reused).toBe(true);
    } finally {
      await mtls.close();
    }
  });

  it('keeps the protocol floor across reloads', async () => {
    const { mtls, port } = await start('floor', { minVersion: 'TLSv1.3', watch: false });
    try {
      const tls12 = { port, ca: pki.ca.cert, ...pki.client, maxVersion: 'TLSv1.2' as const };
      expect((await requestOnce(tls12)).errorMessage).toMatch(/alert protocol version/);
      await mtls.reload();
      expect((await requestOnce(tls12)).errorMessage).toMatch(/alert protocol version/);
      expect((await requestOnce({ port, ca: pki.ca.cert, ...pki.client })).protocol).toBe('TLSv1.3');
    } finally {
      await mtls.close();
    }
  });

  it('fails at start-up with an error naming an unreadable or mismatched file', async () => {
    const files = await filesIn('startup', pki.server, pki.ca.cert);
    const base = { policy: { commonNames: ['x'] }, handler: () => undefined, reload: { watch: false } };
    const missing = join(dir, 'missing.key');
    await expect(createMtlsServer({ ...base, tls: { ...files, keyFile: missing } })).rejects.toMatchObject({
      code: 'MTLS_FILE_UNREADABLE',
      file: missing,
      message: `cannot read the private key file ${missing} (ENOENT)`,
    });
    const clientKey = join(dir, 'client.key');
    await replace(clientKey, pki.client.key);
    await expect(createMtlsServer({ ...base, tls: { ...files, keyFile: clientKey } })).rejects.toMatchObject({
      code: 'MTLS_KEY_CERT_MISMATCH',
      file: clientKey,
    });
    await expect(
      createMtlsServer({ ...base, tls: { ...pki.serverTls, cert: 'nothing' } }),
    ).rejects.toMatchObject({
      code: 'MTLS_FILE_INVALID',
      message: 'option cert holds no PEM certificate (expected a certificate)',
    });
  });
});
