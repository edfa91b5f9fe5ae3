import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  decrypt,
  encrypt,
  exportPublicJwk,
  generateKeyPair,
  JweError,
  loadDecryptionKeySet,
  loadRecipientKey,
  parseKeyText,
  payloadCodec,
} from '@d1kit/jwe';
import { type Command, type CommandIo, UsageError } from '../command.js';

const SCHEMAS = ['CardCredentials', 'PhysicalCardData', 'PinBlock'] as const;
type SchemaName = (typeof SCHEMAS)[number];

const USAGE = `Usage: d1kit jwe <keygen|public-key|encrypt|decrypt> [options]

The D1 JWE profile: compact serialisation, ECDH-ES + A256GCM on P-256, recipient kid in the header.
Key files may be a JWK, a JWKS or PEM. Nothing secret is ever echoed in an error.

  d1kit jwe keygen [--kid K]
      A new P-256 key pair; prints the private JWK (with kid, default its RFC 7638 thumbprint) as JSON.
      Keep it secret; \`d1kit jwe public-key --key FILE\` gives the public part to hand to the peer.

  d1kit jwe public-key [--key FILE] [--kid K]
      The public JWK (with kid) of a key file (or of standard input without --key).

  d1kit jwe encrypt --key FILE [--kid K] [--schema NAME]
      Reads plaintext JSON on standard input and prints the compact JWE. FILE holds the recipient's
      public key; --kid picks one key of a JWKS or names a PEM key.

  d1kit jwe decrypt --key FILE [--current-kid K] [--schema NAME]
      Reads a compact JWE on standard input and prints the plaintext JSON. FILE holds the private
      key(s): a JWK, a JWKS (every key is tried by kid) or PEM.

--schema NAME validates the plaintext against a schema from the specs: ${SCHEMAS.join(', ')}.`;

const MAX_KEY_FILE_BYTES = 64 * 1024;

/** A key file that cannot be read: names the path (given by the user), never the content. */
class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  readonly code = 'KEY_FILE_UNREADABLE';
}

type Values = Record<string, string | boolean | undefined>;

function parse(argv: readonly string[], names: readonly string[]): Values {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const optional = (values: Values, name: string) =>
  typeof values[name] === 'string' ? (values[name] as string) : undefined;

function required(values: Values, name: string): string {
  const value = optional(values, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function schemaOption(values: Values): SchemaName | undefined {
  const raw = optional(values, 'schema');
  if (raw === undefined) return undefined;
  if (!(SCHEMAS as readonly string[]).includes(raw))
    throw new UsageError(`--schema must be one of ${SCHEMAS.join(', ')}`);
  return raw as SchemaName;
}

async function readKeyFile(io: CommandIo, path: string): Promise<string> {
  const full = resolve(io.cwd, path);
  try {
    if ((await stat(full)).size > MAX_KEY_FILE_BYTES)
      throw new KeyFileError(`key file '${path}' is larger than 64 KiB`);
    return await readFile(full, 'utf8');
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`cannot read key file '${path}'`);
  }
}

function parseJsonInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new JweError('PLAINTEXT_NOT_JSON', 'standard input is not JSON');
  }
}

const kidOption = (values: Values) => {
  const kid = optional(values, 'kid');
  return kid === undefined ? {} : { kid };
};

const subcommands: Record<string, (argv: readonly string[], io: CommandIo) => Promise<void>> = {
  async keygen(argv, io) {
    const values = parse(argv, ['kid']);
    const { privateJwk } = await generateKeyPair(kidOption(values));
    io.stdout(`${JSON.stringify(privateJwk, null, 2)}\n`);
  },

  async 'public-key'(argv, io) {
    const values = parse(argv, ['key', 'kid']);
    const keyPath = optional(values, 'key');
    const text = keyPath === undefined ? await io.readStdin() : await readKeyFile(io, keyPath);
    const parsed = parseKeyText(text);
    if (parsed.kind === 'jwks') {
      if (parsed.keys.length !== 1)
        throw new UsageError('the JWKS holds several keys: give a file with one key');
      io.stdout(`${JSON.stringify(await exportPublicJwk(parsed.keys[0]!, kidOption(values)), null, 2)}\n`);
      return;
    }
    io.stdout(`${JSON.stringify(await exportPublicJwk(parsed.key, kidOption(values)), null, 2)}\n`);
  },

  async encrypt(argv, io) {
    const values = parse(argv, ['key', 'kid', 'schema']);
    const schema = schemaOption(values);
    const recipient = await loadRecipientKey(
      await readKeyFile(io, required(values, 'key')),
      kidOption(values),
    );
    const value = parseJsonInput(await io.readStdin());
    const jwe = schema
      ? await payloadCodec(schema).encrypt(value as never, recipient)
      : await encrypt(JSON.stringify(value), recipient);
    io.stdout(`${jwe}\n`);
  },

  async decrypt(argv, io) {
    const values = parse(argv, ['key', 'current-kid', 'schema']);
    const schema = schemaOption(values);
    const currentKid = optional(values, 'current-kid');
    const keys = await loadDecryptionKeySet(
      await readKeyFile(io, required(values, 'key')),
      currentKid === undefined ? {} : { currentKid },
    );
    const jwe = (await io.readStdin()).trim();
    if (schema) {
      io.stdout(`${JSON.stringify(await payloadCodec(schema).decrypt(jwe, keys))}\n`);
      return;
    }
    const { plaintext } = await decrypt(jwe, keys);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
    } catch {
      throw new JweError('PLAINTEXT_NOT_JSON', 'decrypted plaintext is not UTF-8 JSON');
    }
    io.stdout(`${JSON.stringify(value)}\n`);
  },
};

export const jweCommand: Command = {
  summary: 'generate keys and encrypt or decrypt D1 JWEs (ECDH-ES + A256GCM, P-256)',
  usage: USAGE,
  async run(argv, io) {
    const [name, ...rest] = argv;
    const subcommand = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
    if (!subcommand)
      throw new UsageError(name === undefined ? 'a subcommand is required' : 'unknown subcommand');
    await subcommand(rest, io);
    return 0;
  },
};
