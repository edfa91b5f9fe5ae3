import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  type ManifestEntry,
  overlayPath,
  readManifest,
  sha256,
  specName,
  specPath,
} from '../lib/manifest.js';
import { applyOverlayStrict, parseOverlay } from '../lib/overlay.js';
import type { RepoLayout } from '../lib/paths.js';
import { isObject, type JsonObject } from './walk.js';

export class GenerateError extends Error {
  override readonly name = 'GenerateError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LoadedSpec {
  readonly entry: ManifestEntry;
  readonly name: string;
  readonly specSha256: string;
  readonly overlaySha256: string;
  /** The vendor layer as committed. */
  readonly published: JsonObject;
  /** Published layer with d1kit's overlay applied: what every package works from. */
  readonly effective: JsonObject;
}

export interface LoadOptions {
  /** Accept a spec whose bytes differ from the manifest's sha256 (used by --rehash). */
  readonly allowHashMismatch?: boolean;
}

/** Reads the manifest, each spec and its overlay, and applies the overlay; any defect names the file. */
export async function loadSpecs(layout: RepoLayout, options: LoadOptions = {}): Promise<LoadedSpec[]> {
  const manifest = await readManifest(layout.manifestFile);
  const loaded: LoadedSpec[] = [];
  for (const entry of manifest.specs) {
    const file = specPath(layout.specsDir, entry);
    const specText = await readText(file, `specs/${entry.file}`);
    const specSha256 = sha256(specText);
    if (specSha256 !== entry.sha256 && !options.allowHashMismatch) {
      throw new GenerateError(
        'SPEC_HASH_MISMATCH',
        `specs/${entry.file} does not match its sha256 in specs/manifest.yaml. A vendor file arrives through ` +
          '`pnpm specs:pull`; after a deliberate hand edit run `pnpm generate --rehash`.',
      );
    }
    const published = parseYamlObject(specText, `specs/${entry.file}`);
    if (typeof published.openapi !== 'string' || !published.openapi.startsWith('3.0.')) {
      throw new GenerateError('SPEC_INVALID', `specs/${entry.file}: 'openapi' must be a 3.0.x version`);
    }
    const overlayText = await readText(overlayPath(layout.specsDir, entry), `specs/${entry.overlay}`);
    const overlay = parseOverlay(overlayText, `specs/${entry.overlay}`);
    const effective = (await applyOverlayStrict(published, overlay, `specs/${entry.overlay}`)) as JsonObject;
    loaded.push({
      entry,
      name: specName(entry),
      specSha256,
      overlaySha256: sha256(overlayText),
      published,
      effective,
    });
  }
  return loaded;
}

async function readText(file: string, label: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new GenerateError(
      'FILE_UNREADABLE',
      `${label}: cannot read (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

function parseYamlObject(text: string, label: string): JsonObject {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new GenerateError(
      'SPEC_INVALID',
      `${label}: not valid YAML (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (!isObject(doc)) throw new GenerateError('SPEC_INVALID', `${label}: not a YAML mapping`);
  return doc;
}
