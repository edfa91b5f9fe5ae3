import { layoutOf } from '../lib/paths.js';
import { runSpecsPull } from './run.js';

// Exit codes: 0 no change, 1 failure, 2 usage error, 3 non-breaking changes, 4 breaking changes (errors.ts).
process.exitCode = await runSpecsPull(process.argv.slice(2), {
  layout: layoutOf(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
