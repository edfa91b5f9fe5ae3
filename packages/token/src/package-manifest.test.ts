import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The published .d.ts keeps every `import type` of the source, so each package such an import names
// must reach the consumer: as a dependency, or as a peer the application brings (Express, whose
// types must be the application's own copy for handlers to fit its `app.post`).
const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
  string,
  Record<string, string> | undefined
>;
const published = { ...manifest.dependencies, ...manifest.peerDependencies };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^'.][^']*)'/gm;
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function imports(): { name: string; typeOnly: boolean }[] {
  return sourceFiles(join(root, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .filter((match) => !match[2]?.startsWith('node:'))
      .map((match) => ({ name: packageOf(match[2] as string), typeOnly: match[1] !== undefined })),
  );
}

function shipsTypes(name: string): boolean {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return Boolean(pkg.types ?? pkg.typings) || existsSync(join(root, 'node_modules', name, 'index.d.ts'));
}

describe('package.json', () => {
  it('publishes every package the code or its declarations need', () => {
    const found = imports();
    expect(found.map(({ name }) => name)).toContain('undici'); // the scan sees real imports
    for (const { name, typeOnly } of found) {
      if (!typeOnly) expect(manifest.dependencies, `runtime import ${name}`).toHaveProperty([name]);
      const typesPackage = shipsTypes(name) ? name : `@types/${name}`;
      expect(published, `types of ${name} for the .d.ts`).toHaveProperty([typesPackage]);
    }
  });

  it('takes Express, which only its handlers need, as an optional peer', () => {
    for (const name of ['express', '@types/express']) {
      expect(manifest.dependencies).not.toHaveProperty([name]);
      expect(manifest.peerDependencies).toHaveProperty([name]);
      expect(manifest.peerDependenciesMeta).toHaveProperty([name], { optional: true });
      expect(manifest.devDependencies).toHaveProperty([name]);
    }
  });
});
