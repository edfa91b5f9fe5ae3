#!/usr/bin/env node
import { readStdinBounded, runCli } from './run.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readStdinBounded(process.stdin),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = exitCode;
