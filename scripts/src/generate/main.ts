import { runGenerate } from './generate.js';

process.exitCode = await runGenerate(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
