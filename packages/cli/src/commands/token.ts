import { parseArgs } from 'node:util';
import { generateClientSecret, hashClientSecret } from '@d1kit/token';
import { type Command, UsageError } from '../command.js';

const USAGE = `Usage: d1kit token hash-secret [--generate]

Prints the scrypt hash to configure for a client of the outbound token endpoint, so the endpoint
never stores the plaintext secret.

  (default)    reads the secret from standard input (one line; a trailing newline is dropped)
  --generate   makes a new random secret instead, prints it once on stderr and its hash on stdout

The secret is never accepted as an argument: arguments show up in process lists and shell history.`;

export const tokenCommand: Command = {
  summary: 'OAuth2 helpers: hash an outbound token endpoint client secret',
  usage: USAGE,
  async run(argv, io) {
    let parsed: { values: { generate?: boolean }; positionals: string[] };
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { generate: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [sub, ...extra] = parsed.positionals;
    if (sub !== 'hash-secret')
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    let secret: string;
    if (parsed.values.generate) {
      secret = generateClientSecret();
      io.stderr(`new client secret (shown once, give it to D1 at onboarding): ${secret}\n`);
    } else {
      secret = (await io.readStdin()).replace(/\r?\n$/, '');
      if (secret.length === 0) throw new UsageError('no secret on standard input');
      if (secret.includes('\n')) throw new UsageError('standard input must hold a single line');
    }
    io.stdout(`${await hashClientSecret(secret)}\n`);
    return 0;
  },
};
