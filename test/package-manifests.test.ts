import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What a published package imports must reach its consumer. Runtime imports need a dependency (or a peer
// the application brings, like Express, whose copy must be the application's own); `import type`s stay
// in the published .d.ts, so the package that declares those types must be published alongside too.
const repo = join(import.meta.dirname, '..');
// One import each package is known to make, so a scanner that finds nothing fails instead of passing.
const KNOWN_IMPORT: Record<string, string | null> = {
  generated: null,
  'packages/jwe': 'jose',
  'packages/token': 'jose',
  'packages/mtls': '@peculiar/x509',
  'packages/client': 'openapi-fetch',
  'packages/server': 'express-openapi-validator',
  'packages/cli': '@d1kit/jwe',
};
const PACKAGES = [
  'generated',
  'packages/jwe',
  'packages/token',
  'packages/mtls',
  'packages/client',
  'packages/server',
  'packages/cli',
];

type Manifest = Record<string, Record<string, string> | undefined> & { name: string };

/** Source files that ship: everything under src/ except tests and test-only helpers. */
function shippedSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : shippedSources(file);
    const testOnly = /\.test\.ts$|\.test-helpers\.ts$|^test-helpers\.ts$|^test-support\.ts$/.test(entry.name);
    return entry.name.endsWith('.ts') && !testOnly ? [file] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^'.][^']*)'/gm;
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function shipsTypes(dir: string, name: string): boolean {
  if (name.startsWith('@d1kit/')) return true;
  const root = join(dir, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const main = typeof pkg.main === 'string' ? pkg.main.replace(/\.c?js$/, '.d.ts') : 'index.d.ts';
  // TypeScript also finds declarations that sit beside the entry point.
  return Boolean(pkg.types ?? pkg.typings ?? pkg.exports?.['.']?.types) || existsSync(join(root, main));
}

describe.each(PACKAGES)('%s/package.json', (pkgDir) => {
  const dir = join(repo, pkgDir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  const published = { ...manifest.dependencies, ...manifest.peerDependencies };
  const found = shippedSources(join(dir, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .filter((m) => !m[2]?.startsWith('node:'))
      .map((m) => ({
        file: file.slice(repo.length + 1),
        name: packageOf(m[2]!),
        typeOnly: m[1] !== undefined,
      })),
  );

  it('publishes every package its code or its declarations import', () => {
    const known = KNOWN_IMPORT[pkgDir];
    if (known) expect(found.map((f) => f.name)).toContain(known);
    for (const { file, name, typeOnly } of found) {
      if (!typeOnly) expect(published, `${file} imports ${name} at run time`).toHaveProperty([name]);
      const types = shipsTypes(dir, name) ? name : `@types/${name}`;
      expect(published, `${file}: the .d.ts needs the types of ${name}`).toHaveProperty([types]);
    }
  });

  it('takes Express from the application, never as its own copy', () => {
    expect(manifest.dependencies ?? {}).not.toHaveProperty(['express']);
    expect(manifest.dependencies ?? {}).not.toHaveProperty(['@types/express']);
  });
});
