import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export type Direction = 'inbound' | 'outbound';

export interface LastPull {
  /** The URL or directory the file came from. */
  readonly from: string;
  /** ISO 8601 timestamp of the pull. */
  readonly at: string;
}

export interface ManifestEntry {
  /** Vendor file name, e.g. `D1-Public-IN-v2-Card.yaml`; the spec's name is this without `.yaml`. */
  readonly file: string;
  readonly direction: Direction;
  /** Public download URL of the vendor's file. */
  readonly url: string;
  /** Overlay with d1kit's additions, relative to specs/. */
  readonly overlay: string;
  /** sha256 (hex) of the committed file's bytes. */
  readonly sha256: string;
  /** null while the file is d1kit's own transcription of the public documentation and was never pulled. */
  readonly lastPull: LastPull | null;
}

export interface Manifest {
  readonly specs: readonly ManifestEntry[];
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly code = 'MANIFEST_INVALID';
}

const FILE_NAME = /^D1-Public-(IN|OUT)-v[0-9]+-[A-Za-z0-9-]+\.yaml$/;

export function specName(entry: Pick<ManifestEntry, 'file'>): string {
  return entry.file.replace(/\.yaml$/, '');
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fail(where: string, what: string): never {
  throw new ManifestError(`specs/manifest.yaml: ${where}: ${what}`);
}

function str(value: unknown, where: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(where, `'${field}' must be a non-empty string`);
  return value;
}

/** Parses and checks the manifest; any defect is a ManifestError naming the entry and field. */
export function parseManifest(text: string): Manifest {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    fail('document', `not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const specs = (doc as { specs?: unknown } | null)?.specs;
  if (!Array.isArray(specs) || specs.length === 0) fail('document', "'specs' must be a non-empty list");
  const seen = new Set<string>();
  const entries = specs.map((raw: unknown, index): ManifestEntry => {
    const where = `specs[${index}]`;
    if (typeof raw !== 'object' || raw === null) fail(where, 'must be a mapping');
    const r = raw as Record<string, unknown>;
    const file = str(r.file, where, 'file');
    if (!FILE_NAME.test(file)) fail(where, `file '${file}' is not named like a D1 vendor spec`);
    if (seen.has(file)) fail(where, `file '${file}' is listed twice`);
    seen.add(file);
    const direction = r.direction;
    if (direction !== 'inbound' && direction !== 'outbound')
      fail(where, "'direction' must be inbound or outbound");
    const url = str(r.url, where, 'url');
    if (!/^https:\/\//.test(url)) fail(where, "'url' must be an https URL");
    const hash = str(r.sha256, where, 'sha256');
    if (!/^[0-9a-f]{64}$/.test(hash)) fail(where, "'sha256' must be 64 lowercase hex digits");
    let lastPull: LastPull | null = null;
    if (r.lastPull !== null && r.lastPull !== undefined) {
      const lp = r.lastPull as Record<string, unknown>;
      lastPull = { from: str(lp.from, where, 'lastPull.from'), at: str(lp.at, where, 'lastPull.at') };
    }
    return { file, direction, url, overlay: str(r.overlay, where, 'overlay'), sha256: hash, lastPull };
  });
  return { specs: entries };
}

export async function readManifest(manifestFile: string): Promise<Manifest> {
  return parseManifest(await readFile(manifestFile, 'utf8'));
}

const HEADER = `# The D1 vendor specs d1kit carries. Maintained by \`pnpm specs:pull\`; edit only to add or drop a spec.
# sha256 is of the committed file in this folder; lastPull is null while the file is d1kit's own
# transcription of the public documentation (see ../../shared/d1-contract.md) and was never pulled.
`;

export function serializeManifest(manifest: Manifest): string {
  return HEADER + stringify({ specs: manifest.specs }, { lineWidth: 0 });
}

export function specPath(specsDir: string, entry: Pick<ManifestEntry, 'file'>): string {
  return path.join(specsDir, entry.file);
}

export function overlayPath(specsDir: string, entry: Pick<ManifestEntry, 'overlay'>): string {
  return path.join(specsDir, entry.overlay);
}
