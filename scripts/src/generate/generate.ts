import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest, serializeManifest } from '../lib/manifest.js';
import { layoutOf, type RepoLayout } from '../lib/paths.js';
import { compareTrees, readOwnedFiles, renderGenerated } from './emit.js';
import { loadSpecs } from './load.js';

export interface GenerateIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly layout?: RepoLayout;
}

const USAGE = `Usage: pnpm generate [--check] [--rehash]

Writes generated/ (effective specs, openapi-typescript types, operation metadata, plaintext schemas)
from specs/ and specs/overlays/.

  --check    write nothing; exit 1 and list the files that differ from what generation would write
  --rehash   after a deliberate hand edit of a spec, record its new sha256 in specs/manifest.yaml first
`;

/** Runs the generator in-process; returns the exit code (0 ok, 1 failure or drift, 2 usage). */
export async function runGenerate(argv: readonly string[], io: GenerateIo): Promise<number> {
  let values: { check?: boolean; rehash?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        check: { type: 'boolean' },
        rehash: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`generate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.check && values.rehash) {
    io.stderr(`generate: --check and --rehash exclude each other\n\n${USAGE}`);
    return 2;
  }
  const layout = io.layout ?? layoutOf();
  try {
    const specs = await loadSpecs(layout, { allowHashMismatch: values.rehash === true });
    const expected = await renderGenerated(specs);
    if (values.rehash) {
      const manifest = await readManifest(layout.manifestFile);
      const hashes = new Map(specs.map((s) => [s.entry.file, s.specSha256]));
      const updated = {
        specs: manifest.specs.map((e) => ({ ...e, sha256: hashes.get(e.file) ?? e.sha256 })),
      };
      await writeFile(layout.manifestFile, serializeManifest(updated));
    }
    const actual = await readOwnedFiles(layout.generatedDir);
    const drift = compareTrees(expected, actual);
    const differing = [...drift.changed, ...drift.missing, ...drift.extra];
    if (values.check) {
      if (differing.length === 0) {
        io.stdout(`generated/ is up to date (${expected.size} files from ${specs.length} specs)\n`);
        return 0;
      }
      const lines = [
        ...drift.changed.map((f) => `  changed  generated/${f}`),
        ...drift.missing.map((f) => `  missing  generated/${f}`),
        ...drift.extra.map((f) => `  extra    generated/${f}`),
      ];
      io.stderr(
        `generated/ is stale: ${differing.length} file(s) differ. Run \`pnpm generate\`.\n${lines.join('\n')}\n`,
      );
      return 1;
    }
    for (const file of [...drift.changed, ...drift.missing]) {
      const target = path.join(layout.generatedDir, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, expected.get(file)!);
    }
    for (const file of drift.extra) await rm(path.join(layout.generatedDir, file));
    io.stdout(
      `generated/: ${expected.size} files from ${specs.length} specs (${drift.changed.length} changed, ` +
        `${drift.missing.length} new, ${drift.extra.length} removed)\n`,
    );
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.stderr(
      `generate failed${typeof code === 'string' ? ` [${code}]` : ''}: ${(error as Error).message}\n`,
    );
    return 1;
  }
}
