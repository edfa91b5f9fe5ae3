import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSpecs, operationsOf } from './checks.js';
import type { LoadedSpec } from './load.js';
import { operationMetadata } from './metadata.js';
import { plaintextSchemas } from './plaintext.js';
import { BANNER, LOADER_SOURCE } from './templates.js';
import { typesFor } from './typescript.js';
import { isObject, visit } from './walk.js';

/** The folders under generated/ that the generator owns completely (anything else there is hand-kept). */
export const OWNED_DIRS = ['openapi', 'src'] as const;

/** `D1-Public-OUT-v1-PIN-Management` → `OutV1PinManagement`: a TypeScript-safe namespace name. */
export function typeNamespace(specName: string): string {
  return specName
    .replace(/^D1-Public-/, '')
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function countAssumptions(doc: unknown): number {
  let n = 0;
  visit(doc, (value) => {
    if (isObject(value) && typeof value['x-d1kit-assumption'] === 'string') n++;
  });
  return n;
}

function serverMeta(doc: Record<string, unknown>) {
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObject) : [];
  return servers.map((s) => ({
    url: String(s.url),
    description: typeof s.description === 'string' ? s.description : null,
    variables: Object.fromEntries(
      Object.entries(isObject(s.variables) ? s.variables : {}).map(([k, v]) => [
        k,
        {
          default: isObject(v) ? String(v.default) : '',
          description: isObject(v) && typeof v.description === 'string' ? v.description : null,
        },
      ]),
    ),
  }));
}

/** generated/src/meta.ts: the template module without its own header comment, under the banner. */
async function metaSource(): Promise<string> {
  const text = await readFile(new URL('./meta-template.ts', import.meta.url), 'utf8');
  return `${BANNER}\n${text.replace(/^(\/\/.*\n)+/, '')}`;
}

/** Every generated file, keyed by its path relative to generated/. Pure: same specs, same bytes. */
export async function renderGenerated(specs: readonly LoadedSpec[]): Promise<Map<string, string>> {
  checkSpecs(specs);
  const files = new Map<string, string>();
  const specMeta: Record<string, unknown> = {};
  for (const spec of specs) {
    const effectiveSpec = `openapi/${spec.name}.json`;
    files.set(effectiveSpec, json(spec.effective));
    files.set(`src/types/${spec.name}.ts`, BANNER + (await typesFor(spec.effective)));
    const info = isObject(spec.effective.info) ? spec.effective.info : {};
    const components = isObject(spec.effective.components) ? spec.effective.components : {};
    specMeta[spec.name] = {
      name: spec.name,
      file: spec.entry.file,
      direction: spec.entry.direction,
      title: String(info.title ?? ''),
      version: String(info.version ?? ''),
      url: spec.entry.url,
      servers: serverMeta(spec.effective),
      securitySchemes: isObject(components.securitySchemes) ? components.securitySchemes : {},
      operationIds: operationsOf(spec).map((op) => String(op.operation.operationId)),
      effectiveSpec,
      specSha256: spec.specSha256,
      overlaySha256: spec.overlaySha256,
      assumptionCount: countAssumptions(spec.effective),
    };
  }
  files.set('src/meta.ts', await metaSource());
  files.set(
    'src/specs.ts',
    `${BANNER}\nimport type { SpecMeta } from './meta.js';\n\n` +
      `export const specs = ${JSON.stringify(specMeta, null, 2)} as const satisfies Record<string, SpecMeta>;\n\n` +
      'export type SpecName = keyof typeof specs;\n',
  );
  const operations = Object.fromEntries(operationMetadata(specs).map((op) => [op.operationId, op]));
  files.set(
    'src/operations.ts',
    `${BANNER}\nimport type { OperationMeta } from './meta.js';\n\n` +
      `export const operations = ${JSON.stringify(operations, null, 2)} as const satisfies Record<string, OperationMeta>;\n\n` +
      'export type OperationId = keyof typeof operations;\n',
  );
  const plaintext = await renderPlaintext(specs);
  files.set('src/types/plaintext.ts', plaintext.types);
  files.set('src/plaintext.ts', plaintext.module);
  files.set('src/load.ts', LOADER_SOURCE);
  files.set('src/index.ts', renderIndex(specs));
  return files;
}

async function renderPlaintext(specs: readonly LoadedSpec[]): Promise<{ types: string; module: string }> {
  const schemas = plaintextSchemas(specs);
  const typesDoc = {
    openapi: '3.0.3',
    info: { title: 'd1kit plaintext payloads', version: '1' },
    paths: {},
    components: { schemas: Object.fromEntries(schemas.map((s) => [s.name, s.openapi])) },
  };
  const types = await typesFor(typesDoc);
  const record = Object.fromEntries(schemas.map((s) => [s.name, s.jsonSchema]));
  const aliases = schemas
    .map(
      (s) =>
        `/** Plaintext inside a JWE field (used by ${s.specs.join(', ')}). */\nexport type ${s.name} = components['schemas']['${s.name}'];`,
    )
    .join('\n');
  const module =
    `${BANNER}\nimport type { JsonSchema } from './meta.js';\nimport type { components } from './types/plaintext.js';\n\n` +
    `${aliases}\n\n` +
    `export const plaintextSchemas = ${JSON.stringify(record, null, 2)} as const satisfies Record<string, JsonSchema>;\n\n` +
    'export type PlaintextSchemaName = keyof typeof plaintextSchemas;\n\n' +
    '/** Maps each plaintext schema name to its TypeScript type. */\n' +
    `export interface PlaintextTypes {\n${schemas.map((s) => `  ${s.name}: ${s.name};`).join('\n')}\n}\n`;
  return { types: BANNER + types, module };
}

function renderIndex(specs: readonly LoadedSpec[]): string {
  const typeExports = specs
    .map((s) => `export type * as ${typeNamespace(s.name)} from './types/${s.name}.js';`)
    .join('\n');
  return (
    `${BANNER}\nexport * from './load.js';\nexport * from './meta.js';\nexport * from './operations.js';\n` +
    `export * from './plaintext.js';\nexport * from './specs.js';\n\n${typeExports}\n`
  );
}

/** Files currently on disk under the owned folders, relative to generated/. */
export async function readOwnedFiles(generatedDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(path.join(generatedDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else found.set(child, await readFile(path.join(generatedDir, child), 'utf8'));
    }
  }
  for (const dir of OWNED_DIRS) await walk(dir);
  return found;
}

export interface Drift {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

export function compareTrees(expected: Map<string, string>, actual: Map<string, string>): Drift {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [file, content] of expected) {
    const current = actual.get(file);
    if (current === undefined) missing.push(file);
    else if (current !== content) changed.push(file);
  }
  const extra = [...actual.keys()].filter((file) => !expected.has(file));
  return { changed: changed.sort(), missing: missing.sort(), extra: extra.sort() };
}
