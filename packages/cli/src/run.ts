import { type CommandIo, UsageError } from './command.js';
import { commands } from './commands/index.js';

const MAX_STDIN_BYTES = 1024 * 1024;

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return [
    'Usage: d1kit <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `d1kit <command> --help` for details.',
    '',
  ].join('\n');
}

/** Dispatches argv to a subcommand; never throws: every failure becomes a message on stderr and an exit code. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`d1kit: unknown command '${name}'\n\n${topLevelHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`d1kit ${name}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    // Messages of d1kit's own errors are written to be safe to show; anything else is reported by type only
    // so that an unexpected exception cannot leak key material or card data into a terminal or a CI log.
    const code =
      typeof (error as { code?: unknown })?.code === 'string' ? ` [${(error as { code: string }).code}]` : '';
    const message = error instanceof Error && code ? error.message : 'unexpected internal error';
    io.stderr(`d1kit ${name}: ${message}${code}\n`);
    return 1;
  }
}

export async function readStdinBounded(
  stream: NodeJS.ReadableStream,
  limit = MAX_STDIN_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new UsageError(`standard input is larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
