import { type Command, UsageError } from '../command.js';
import { renderSpecsSummary } from './specs.js';

// Until the reference server exists, the main job shows what the toolkit covers. The issue that builds
// the reference server replaces this with the server on its embedded defaults.
export const startCommand: Command = {
  summary: 'run the main job (for now: the summary of the D1 contract d1kit carries)',
  usage: `Usage: d1kit start

Prints the D1 specs and operations d1kit carries, from the generated metadata.`,
  async run(argv, io) {
    if (argv.length > 0) throw new UsageError(`unexpected argument '${argv[0]}'`);
    io.stdout(renderSpecsSummary());
    return 0;
  },
};
