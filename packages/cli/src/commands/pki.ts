import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  createCertificateAuthority,
  createD1Csr,
  type D1KeyType,
  DEV_ISSUER_ID,
  formatD1CommonName,
  isD1Environment,
  issueCertificate,
  loadCertificateAuthority,
  MtlsError,
  type OutputFile,
  parseD1KeyType,
  writeOutputFiles,
} from '@d1kit/mtls';
import { type Command, type CommandIo, UsageError } from '../command.js';

const USAGE = `Usage: d1kit pki <init|issue|csr> [options]

Local mTLS material for development, and the CSR for D1 onboarding. Private keys are written
with mode 0600; existing files are never overwritten unless --force is given.

  d1kit pki init [--dir D] [--key-type p256|rsa4096] [--client-cn CN] [--force]
      A dev CA plus a server certificate (localhost, 127.0.0.1, ::1) and a client certificate:
      D/ca.crt, ca.key, server.crt, server.key, client.crt, client.key. D defaults to ./d1kit-pki.
      The client CN defaults to the D1-format CN of issuerId ${DEV_ISSUER_ID} in PreProd.

  d1kit pki issue --kind server|client --cn CN [--san S]... [--name N] [--dir D]
                  [--key-type p256|rsa4096] [--days N] [--force]
      Another certificate from the CA in D, written to D/N.crt and D/N.key (N defaults to the CN).
      --san takes DNS:name, IP:addr, URI:uri or a bare host name or address; servers default to
      localhost, 127.0.0.1 and ::1.

  d1kit pki csr --issuer-id ID --env PPR|PRD --country C --state ST --locality L
                --org O --org-unit OU [--dir D] [--key-type rsa4096|p256] [--cn-template T] [--force]
      A fresh key and a PKCS#10 CSR for the Thales Delivery Team, signed with SHA-256 (RSA-4096 by
      default): D/d1-ID-ENV.key (keep it) and D/d1-ID-ENV.csr (send it). The CN holds the issuerId
      and the environment; D1 has not published its exact layout, so d1kit assumes
      D1-{issuerId}-{env}: pass the template from your onboarding pack with --cn-template.

Key types: p256 (ECDSA P-256) or rsa4096, both with SHA-256, the two D1 accepts.`;

const DEFAULT_DIR = 'd1kit-pki';
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Values {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function text(values: Values, name: string, required: true): string;
function text(values: Values, name: string, required?: false): string | undefined;
function text(values: Values, name: string, required = false): string | undefined {
  const value = values[name];
  if (typeof value === 'string') return value;
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

function keyTypeOption(values: Values, fallback: D1KeyType): D1KeyType {
  const raw = text(values, 'key-type');
  if (raw === undefined) return fallback;
  const type = parseD1KeyType(raw);
  if (!type) throw new UsageError(`--key-type must be p256 or rsa4096, not '${raw}'`);
  return type;
}

function daysOption(values: Values): number | undefined {
  const raw = text(values, 'days');
  if (raw === undefined) return undefined;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 36_500) {
    throw new UsageError('--days must be a whole number between 1 and 36500');
  }
  return Number(raw);
}

function outputDir(values: Values, io: CommandIo): string {
  return resolve(io.cwd, text(values, 'dir') ?? DEFAULT_DIR);
}

/** Values the PKI refuses because of what a flag said are usage mistakes: shown with the usage text. */
async function flagsChecked<T>(work: Promise<T>): Promise<T> {
  const fromFlags = new Set(['MTLS_INVALID_OPTIONS', 'MTLS_INVALID_SUBJECT', 'MTLS_INVALID_COMMON_NAME']);
  try {
    return await work;
  } catch (error) {
    if (error instanceof MtlsError && fromFlags.has(error.code)) throw new UsageError(error.message);
    throw error;
  }
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

function report(io: CommandIo, files: readonly OutputFile[]): void {
  for (const file of files)
    io.stdout(`  wrote ${file.path}${file.secret ? ' (private key, mode 0600)' : ''}\n`);
}

async function init(argv: readonly string[], io: CommandIo): Promise<number> {
  const values = parse(argv, {
    dir: { type: 'string' },
    'key-type': { type: 'string' },
    'client-cn': { type: 'string' },
    force: { type: 'boolean' },
  });
  const dir = outputDir(values, io);
  const keyType = keyTypeOption(values, 'P-256');
  const clientCn =
    text(values, 'client-cn') ?? formatD1CommonName({ issuerId: DEV_ISSUER_ID, environment: 'PPR' });
  const ca = await createCertificateAuthority({ keyType });
  const [server, client] = await flagsChecked(
    Promise.all([
      issueCertificate(ca, { kind: 'server', commonName: 'localhost', keyType }),
      issueCertificate(ca, { kind: 'client', commonName: clientCn, keyType }),
    ]),
  );
  const files: OutputFile[] = [
    { path: join(dir, 'ca.crt'), content: ca.cert, secret: false },
    { path: join(dir, 'ca.key'), content: ca.key, secret: true },
    { path: join(dir, 'server.crt'), content: server.cert, secret: false },
    { path: join(dir, 'server.key'), content: server.key, secret: true },
    { path: join(dir, 'client.crt'), content: client.cert, secret: false },
    { path: join(dir, 'client.key'), content: client.key, secret: true },
  ];
  await writeOutputFiles(files, { overwrite: values.force === true });
  io.stdout(`Dev PKI (${keyType}) in ${dir}:\n`);
  report(io, files);
  io.stdout(`  CA SHA-256 fingerprint ${fingerprint(ca.cert)}\n  client CN ${clientCn}\n`);
  return 0;
}

async function issue(argv: readonly string[], io: CommandIo): Promise<number> {
  const values = parse(argv, {
    kind: { type: 'string' },
    cn: { type: 'string' },
    san: { type: 'string', multiple: true },
    name: { type: 'string' },
    dir: { type: 'string' },
    'key-type': { type: 'string' },
    days: { type: 'string' },
    force: { type: 'boolean' },
  });
  const kind = text(values, 'kind', true);
  if (kind !== 'server' && kind !== 'client')
    throw new UsageError(`--kind must be server or client, not '${kind}'`);
  const commonName = text(values, 'cn', true);
  const name =
    text(values, 'name') ??
    commonName
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[._-]+/, '')
      .slice(0, 64);
  if (!FILE_NAME.test(name)) {
    throw new UsageError(
      '--name must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  if (name === 'ca')
    throw new UsageError("the name 'ca' is kept for the CA's own files; pass another --name");
  const sans = values.san as string[] | undefined;
  const days = daysOption(values);
  const dir = outputDir(values, io);

  const keyType = keyTypeOption(values, 'P-256');
  const ca = await loadCaFrom(dir);
  const issued = await flagsChecked(
    issueCertificate(ca, {
      kind,
      commonName,
      keyType,
      ...(sans ? { subjectAltNames: sans } : {}),
      ...(days === undefined ? {} : { validityDays: days }),
    }),
  );
  const files: OutputFile[] = [
    { path: join(dir, `${name}.crt`), content: issued.cert, secret: false },
    { path: join(dir, `${name}.key`), content: issued.key, secret: true },
  ];
  await writeOutputFiles(files, { overwrite: values.force === true });
  io.stdout(`Issued a ${kind} certificate for CN=${commonName} (${issued.keyType}):\n`);
  report(io, files);
  io.stdout(`  SHA-256 fingerprint ${fingerprint(issued.cert)}\n`);
  return 0;
}

async function loadCaFrom(dir: string) {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'read error';
      throw new MtlsError(
        'MTLS_FILE_UNREADABLE',
        `cannot read the ${what} ${path} (${code}); run \`d1kit pki init\` first`,
        {
          file: path,
        },
      );
    }
  };
  // One after the other, so a missing CA always names the same file first (not whichever read lost).
  const cert = await read(certFile, 'CA certificate');
  const key = await read(keyFile, 'CA key');
  return loadCertificateAuthority({ cert, key }, { cert: certFile, key: keyFile });
}

async function csr(argv: readonly string[], io: CommandIo): Promise<number> {
  const values = parse(argv, {
    'issuer-id': { type: 'string' },
    env: { type: 'string' },
    country: { type: 'string' },
    state: { type: 'string' },
    locality: { type: 'string' },
    org: { type: 'string' },
    'org-unit': { type: 'string' },
    dir: { type: 'string' },
    'key-type': { type: 'string' },
    'cn-template': { type: 'string' },
    force: { type: 'boolean' },
  });
  const issuerId = text(values, 'issuer-id', true);
  const environment = text(values, 'env', true);
  if (!isD1Environment(environment)) throw new UsageError(`--env must be PPR or PRD, not '${environment}'`);
  const subject = {
    country: text(values, 'country', true),
    state: text(values, 'state', true),
    locality: text(values, 'locality', true),
    organization: text(values, 'org', true),
    organizationalUnit: text(values, 'org-unit', true),
  };
  const template = text(values, 'cn-template');
  const keyType = keyTypeOption(values, 'RSA-4096');
  const dir = outputDir(values, io);
  const result = await flagsChecked(
    createD1Csr({
      issuerId,
      environment,
      subject,
      keyType,
      ...(template ? { commonNameFormat: template } : {}),
    }),
  );
  const base = `d1-${issuerId}-${environment}`;
  const files: OutputFile[] = [
    { path: join(dir, `${base}.key`), content: result.key, secret: true },
    { path: join(dir, `${base}.csr`), content: result.csr, secret: false },
  ];
  await writeOutputFiles(files, { overwrite: values.force === true });
  io.stdout(`CSR for CN=${result.commonName} (${result.keyType}, SHA-256):\n`);
  report(io, files);
  io.stdout(`  Send ${base}.csr to the Thales Delivery Team; the key never leaves this machine.\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>> = {
  init,
  issue,
  csr,
};

export const pkiCommand: Command = {
  summary: 'dev CA and mTLS certificates, and the D1 onboarding CSR',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined) throw new UsageError('missing subcommand: init, issue or csr');
    const handler = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!handler) throw new UsageError(`unknown subcommand '${sub}': use init, issue or csr`);
    return handler(rest, io);
  },
};
