import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type OperationMeta, operations, type SpecMeta, specs } from '@d1kit/generated';
import { type Command, UsageError } from '../command.js';
import { type ScaffoldFile, scaffoldFiles, unedited } from './scaffold-templates.js';

const TOKEN_OPERATION = 'issueOutboundToken';

const USAGE = `Usage: d1kit scaffold outbound --out <dir> [--spec <name>]...

Writes a typed handler stub and a test for every operation D1 calls on an issuer, plus handlers.ts
collecting them for createIssuerApp. The stubs compile and answer 501 Not Implemented with a D1 error
body until you fill them in; each test runs its handler against the spec.

  --out <dir>    directory to write into (created if missing)
  --spec <name>  only this outbound spec (repeatable), e.g. D1-Public-OUT-v1-PIN-Management or
                 OUT-v1-PIN-Management; default all of them

Running it again never overwrites a file you edited: it keeps it, writes <file>.new beside it and
says so. Files still as generated are brought up to date.`;

type Outcome = 'created' | 'updated' | 'unchanged' | 'kept';

function outboundSpecs(): SpecMeta[] {
  return (Object.values(specs) as SpecMeta[]).filter((spec) => spec.direction === 'outbound');
}

function chooseSpecs(names: readonly string[]): SpecMeta[] {
  const outbound = outboundSpecs();
  if (names.length === 0) return outbound;
  return names.map((name) => {
    const found = outbound.find((spec) => spec.name === name || spec.name === `D1-Public-${name}`);
    if (!found) {
      throw new UsageError(
        `--spec ${name} is not an outbound spec (${outbound.map((s) => s.name).join(', ')})`,
      );
    }
    return found;
  });
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

/** Writes one file unless it was edited since it was generated (then `.new` goes beside it). */
async function place(dir: string, file: ScaffoldFile): Promise<Outcome> {
  const target = join(dir, file.path);
  if (!(await exists(target))) {
    await writeFile(target, file.content, { flag: 'wx' });
    return 'created';
  }
  const info = await lstat(target);
  const current = info.isFile() ? await readFile(target, 'utf8') : undefined;
  if (current === file.content) return 'unchanged';
  if (current !== undefined && unedited(current)) {
    await writeFile(target, file.content);
    return 'updated';
  }
  // Edited by hand, or not a plain file (a link, a directory): leave it and offer the new version.
  const beside = `${target}.new`;
  if ((await exists(beside)) && !(await lstat(beside)).isFile()) {
    throw Object.assign(new Error(`${file.path}.new exists and is not a plain file`), {
      code: 'SCAFFOLD_PATH_UNSAFE',
    });
  }
  await writeFile(beside, file.content);
  return 'kept';
}

export const scaffoldCommand: Command = {
  summary: 'write typed handler stubs and tests for the outbound APIs D1 calls',
  usage: USAGE,
  async run(argv, io) {
    let parsed: { values: { out?: string; spec?: string[] }; positionals: string[] };
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { out: { type: 'string' }, spec: { type: 'string', multiple: true } },
        strict: true,
        allowPositionals: true,
      }) as typeof parsed;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [target, ...extra] = parsed.positionals;
    if (target !== 'outbound')
      throw new UsageError(target ? `unknown target '${target}'` : 'say what to scaffold: outbound');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const out = parsed.values.out;
    if (!out) throw new UsageError('--out <dir> is required');
    const chosen = chooseSpecs(parsed.values.spec ?? []);
    const byId = operations as Readonly<Record<string, OperationMeta>>;
    const ops = chosen
      .flatMap((spec) => spec.operationIds)
      .filter((id) => id !== TOKEN_OPERATION)
      .map((id) => byId[id])
      .filter((op): op is OperationMeta => op !== undefined);

    const dir = resolve(io.cwd, out);
    const existing = await stat(dir).catch(() => undefined);
    if (existing && !existing.isDirectory())
      throw new UsageError(`--out ${out} exists and is not a directory`);
    await mkdir(dir, { recursive: true });

    const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, kept: 0 };
    for (const file of scaffoldFiles(ops)) {
      const outcome = await place(dir, file);
      counts[outcome] += 1;
      const note = outcome === 'kept' ? ` (edited; new version in ${file.path}.new)` : '';
      io.stdout(`${outcome.padEnd(9)} ${file.path}${note}\n`);
    }
    io.stdout(
      `${ops.length} operation(s) from ${chosen.length} spec(s): ${counts.created} created, ${counts.updated} updated, ` +
        `${counts.unchanged} unchanged, ${counts.kept} kept because edited.\n`,
    );
    return 0;
  },
};
