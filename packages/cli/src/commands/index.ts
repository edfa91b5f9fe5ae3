import type { Command } from '../command.js';
import { jweCommand } from './jwe.js';
import { pkiCommand } from './pki.js';
import { scaffoldCommand } from './scaffold.js';
import { specsCommand } from './specs.js';
import { startCommand } from './start.js';
import { tokenCommand } from './token.js';

/** Every top-level subcommand. Each lives in its own file; register it here with one line. */
export const commands: Readonly<Record<string, Command>> = {
  jwe: jweCommand,
  pki: pkiCommand,
  scaffold: scaffoldCommand,
  specs: specsCommand,
  start: startCommand,
  token: tokenCommand,
};
