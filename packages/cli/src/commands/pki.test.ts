import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeIo } from '../fake-io.test-helpers.js';
import { runCli } from '../run.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
let cwd: string;

async function run(...argv: string[]) {
  const io = fakeIo({ cwd });
  const code = await runCli(['pki', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const csrArgs = [
  '--country',
  'FR',
  '--state',
  'IDF',
  '--locality',
  'Paris',
  '--org',
  'Banque',
  '--org-unit',
  'Cards',
];

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'd1kit-cli-pki-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('d1kit pki', () => {
  it('init writes a CA, server and client material with private keys at 0600, relative to cwd', async () => {
    const result = await run('init', '--dir', 'dev');
    expect(result.code).toBe(0);
    const dir = join(cwd, 'dev');
    for (const name of ['ca', 'server', 'client']) {
      expect(await mode(join(dir, `${name}.key`))).toBe(0o600);
      expect(await mode(join(dir, `${name}.crt`))).toBe(0o644);
    }
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    const client = new X509Certificate(await readFile(join(dir, 'client.crt')));
    expect(client.checkIssued(ca)).toBe(true);
    expect(client.subject).toBe('CN=D1-D1KITDEV01-PPR');
    expect(result.out).toContain(`wrote ${join(dir, 'ca.key')} (private key, mode 0600)`);
  });

  it('init refuses to overwrite, leaves the files as they were, and replaces them with --force', async () => {
    const dir = join(cwd, 'dev');
    const before = await readFile(join(dir, 'ca.key'), 'utf8');
    const again = await run('init', '--dir', 'dev');
    expect(again.code).toBe(1);
    expect(again.err).toContain('refusing to overwrite');
    expect(again.err).toContain('[MTLS_FILE_EXISTS]');
    expect(await readFile(join(dir, 'ca.key'), 'utf8')).toBe(before);
    const forced = await run('init', '--dir', 'forced');
    expect(forced.code).toBe(0);
    const forcedKey = await readFile(join(cwd, 'forced', 'ca.key'), 'utf8');
    expect((await run('init', '--dir', 'forced', '--force')).code).toBe(0);
    expect(await readFile(join(cwd, 'forced', 'ca.key'), 'utf8')).not.toBe(forcedKey);
    expect(await mode(join(cwd, 'forced', 'ca.key'))).toBe(0o600);
  });

  it('issue signs server and client certificates with the CA from init', async () => {
    const dir = join(cwd, 'dev');
    const server = await run(
      'issue',
      '--dir',
      'dev',
      '--kind',
      'server',
      '--cn',
      'api.local',
      '--san',
      'api.local',
      '--san',
      'IP:10.1.2.3',
    );
    expect(server.code).toBe(0);
    const serverCert = new X509Certificate(await readFile(join(dir, 'api.local.crt')));
    expect(serverCert.subjectAltName).toBe('DNS:api.local, IP Address:10.1.2.3');
    expect(await mode(join(dir, 'api.local.key'))).toBe(0o600);
    const client = await run(
      'issue',
      '--dir',
      'dev',
      '--kind',
      'client',
      '--cn',
      'partner system',
      '--days',
      '30',
    );
    expect(client.code).toBe(0);
    const clientCert = new X509Certificate(await readFile(join(dir, 'partner_system.crt')));
    const days =
      (new Date(clientCert.validTo).getTime() - new Date(clientCert.validFrom).getTime()) / 86_400_000;
    expect(days).toBe(30);
    expect((await run('issue', '--dir', 'dev', '--kind', 'client', '--cn', 'partner system')).code).toBe(1);
  });

  it.skipIf(!hasOpenssl)('writes certificates that openssl verify accepts for their purpose', () => {
    const dir = join(cwd, 'dev');
    const verify = (purpose: string, file: string) =>
      spawnSync('openssl', [
        'verify',
        '-x509_strict',
        '-purpose',
        purpose,
        '-CAfile',
        join(dir, 'ca.crt'),
        join(dir, file),
      ]).status;
    expect(verify('sslserver', 'server.crt')).toBe(0);
    expect(verify('sslserver', 'api.local.crt')).toBe(0);
    expect(verify('sslclient', 'client.crt')).toBe(0);
    expect(verify('sslclient', 'server.crt')).not.toBe(0);
  });

  it('csr writes the key (0600) and a CSR with the D1 subject that openssl req -verify accepts', async () => {
    const result = await run(
      'csr',
      '--dir',
      'onboarding',
      '--issuer-id',
      'BANKFR0001',
      '--env',
      'PRD',
      '--key-type',
      'p256',
      ...csrArgs,
    );
    expect(result.code).toBe(0);
    const dir = join(cwd, 'onboarding');
    expect(await mode(join(dir, 'd1-BANKFR0001-PRD.key'))).toBe(0o600);
    expect(await readFile(join(dir, 'd1-BANKFR0001-PRD.csr'), 'utf8')).toMatch(
      /^-----BEGIN CERTIFICATE REQUEST-----\n/,
    );
    expect(result.out).toContain('CSR for CN=D1-BANKFR0001-PRD (P-256, SHA-256)');
    if (hasOpenssl) {
      const checked = spawnSync(
        'openssl',
        [
          'req',
          '-verify',
          '-noout',
          '-subject',
          '-nameopt',
          'sep_comma_plus',
          '-in',
          join(dir, 'd1-BANKFR0001-PRD.csr'),
        ],
        { encoding: 'utf8' },
      );
      expect(checked.status).toBe(0);
      expect(checked.stdout).toContain('subject=C=FR,ST=IDF,L=Paris,O=Banque,OU=Cards,CN=D1-BANKFR0001-PRD');
    }
    const again = await run(
      'csr',
      '--dir',
      'onboarding',
      '--issuer-id',
      'BANKFR0001',
      '--env',
      'PRD',
      '--key-type',
      'p256',
      ...csrArgs,
    );
    expect([again.code, again.err.includes('refusing to overwrite')]).toEqual([1, true]);
  });

  it('csr follows --cn-template', async () => {
    const result = await run(
      'csr',
      '--dir',
      'tpl',
      '--issuer-id',
      'BANKFR0001',
      '--env',
      'PPR',
      '--key-type',
      'p256',
      '--cn-template',
      'TLSMA-EC/{issuerId}-{env}',
      ...csrArgs,
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('CN=TLSMA-EC/BANKFR0001-PPR');
  });

  it('answers bad usage with exit 2 and the usage text, writing nothing', async () => {
    const cases = [
      [],
      ['frob'],
      ['init', '--bogus'],
      ['init', '--key-type', 'rsa2048'],
      ['issue', '--dir', 'dev', '--cn', 'x'],
      ['issue', '--dir', 'dev', '--kind', 'peer', '--cn', 'x'],
      ['issue', '--dir', 'dev', '--kind', 'client'],
      ['issue', '--dir', 'dev', '--kind', 'client', '--cn', 'x', '--days', '0'],
      ['issue', '--dir', 'dev', '--kind', 'client', '--cn', 'x', '--name', 'ca'],
      ['issue', '--dir', 'dev', '--kind', 'client', '--cn', 'x', '--name', '../escape'],
      ['issue', '--dir', 'dev', '--kind', 'server', '--cn', 'x', '--san', 'URI:not a uri'],
      ['csr', '--dir', 'bad', '--env', 'PPR', ...csrArgs],
      ['csr', '--dir', 'bad', '--issuer-id', 'BANKFR0001', '--env', 'DEV', ...csrArgs],
      ['csr', '--dir', 'bad', '--issuer-id', 'SHORT', '--env', 'PPR', ...csrArgs],
      ['csr', '--dir', 'bad', '--issuer-id', 'BANKFR0001', '--env', 'PPR', '--country', 'FR'],
      [
        'csr',
        '--dir',
        'bad',
        '--issuer-id',
        'BANKFR0001',
        '--env',
        'PPR',
        '--key-type',
        'p256',
        ...csrArgs.slice(0, -2),
        '--org-unit',
        ' Cards',
      ],
    ];
    for (const argv of cases) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err, argv.join(' ')).toContain('Usage: d1kit pki');
    }
    await expect(stat(join(cwd, 'bad'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('issue names the missing CA file when init has not been run', async () => {
    const result = await run('issue', '--dir', 'empty', '--kind', 'client', '--cn', 'x');
    expect(result.code).toBe(1);
    expect(result.err).toContain(`cannot read the CA certificate ${join(cwd, 'empty', 'ca.crt')} (ENOENT)`);
  });
});
