import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ContractChange, diffSpecs } from '../contract-diff/index.js';
import {
  type Manifest,
  type ManifestEntry,
  ManifestError,
  overlayPath,
  readManifest,
  serializeManifest,
  sha256,
  specName,
  specPath,
} from '../lib/manifest.js';
import { parseOverlay } from '../lib/overlay.js';
import type { RepoLayout } from '../lib/paths.js';
import { type PullArgs, parsePullArgs, selectEntries, USAGE } from './args.js';
import { EXIT, firstLine, SpecsPullError, UsageError } from './errors.js';
import { assessOverlay, operationIdLookup, replayOverlay } from './overlay-impact.js';
import { outcomeOf, type PullReport, renderReportJson, renderReportText, type SpecResult } from './report.js';
import { DEFAULT_MAX_BYTES, type FetchLike, locate, readSpecBytes } from './source.js';
import { type JsonObject, parseYamlMapping, validateSpec } from './validate.js';
import { type PlannedWrite, type WriteFs, writeAtomically } from './write.js';

export interface PullDeps {
  readonly layout: RepoLayout;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Defaults to the global fetch. */
  readonly fetch?: FetchLike;
  /** Defaults to 5 MiB. */
  readonly maxBytes?: number;
  readonly now?: () => Date;
  readonly fs?: WriteFs;
}

/** A spec that pulled cleanly, with what writing it needs. */
interface Pulled {
  readonly result: SpecResult;
  readonly entry: ManifestEntry;
  readonly text?: string;
}

/**
 * `pnpm specs:pull`, callable in-process. Returns the exit code (see errors.ts EXIT): nothing is written
 * unless every requested spec pulled cleanly, and then all files are replaced as one batch.
 */
export async function runSpecsPull(argv: readonly string[], deps: PullDeps): Promise<number> {
  let args: PullArgs;
  try {
    args = parsePullArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stderr(`specs:pull: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.help) {
    deps.stdout(USAGE);
    return EXIT.noChange;
  }
  let manifest: Manifest;
  let entries: ManifestEntry[];
  try {
    manifest = await readManifest(deps.layout.manifestFile);
    entries = selectEntries(manifest.specs, args.only);
    if (args.source.kind === 'directory') await requireDirectory(args.source.dir);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.stderr(`specs:pull: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    const reason =
      error instanceof ManifestError
        ? error.message
        : `cannot read specs/manifest.yaml (${(error as NodeJS.ErrnoException).code ?? firstLine(error)})`;
    const message = `specs:pull: ${reason}`;
    if (args.json)
      deps.stdout(
        renderReportJson({
          exitCode: EXIT.failure,
          outcome: 'failure',
          dryRun: args.dryRun,
          specs: [],
          written: [],
          error: { code: 'MANIFEST_INVALID', message },
        }),
      );
    deps.stderr(`${message}\n`);
    return EXIT.failure;
  }
  const pulled = await Promise.all(entries.map((entry) => pullOne(entry, args, deps)));
  const specs = pulled.map((p) => p.result);
  let written: string[] = [];
  let writeError: PullReport['writeError'];
  const clean = specs.every((s) => s.status !== 'failed');
  if (clean && !args.dryRun) {
    const writes = planWrites(pulled, manifest, deps);
    try {
      await writeAtomically(writes, deps.fs);
      written = writes.map((w) => path.relative(deps.layout.root, w.file).split(path.sep).join('/'));
    } catch (error) {
      const e =
        error instanceof SpecsPullError ? error : new SpecsPullError('WRITE_FAILED', firstLine(error));
      writeError = { code: e.code, message: e.message };
    }
  }
  const { outcome, exitCode } = outcomeOf(specs, writeError !== undefined);
  const report: PullReport = {
    exitCode,
    outcome,
    dryRun: args.dryRun,
    specs,
    written,
    ...(writeError ? { writeError } : {}),
  };
  deps.stdout(args.json ? renderReportJson(report) : renderReportText(report));
  for (const spec of specs) {
    if (spec.error) deps.stderr(`specs:pull: ${spec.name}: ${spec.error.message}\n`);
  }
  if (writeError) deps.stderr(`specs:pull: ${writeError.message}\n`);
  return exitCode;
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--from: '${dir}' is not a directory`);
}

async function pullOne(entry: ManifestEntry, args: PullArgs, deps: PullDeps): Promise<Pulled> {
  const where = locate(entry, args.source);
  const base = {
    name: specName(entry),
    file: entry.file,
    direction: entry.direction,
    source: where.location,
  };
  try {
    const limits = { timeoutMs: args.timeoutMs, maxBytes: deps.maxBytes ?? DEFAULT_MAX_BYTES };
    const bytes = await readSpecBytes(where, limits, deps.fetch ?? fetch);
    const pulled = await validateSpec(bytes, entry.file);
    return {
      entry,
      text: pulled.text,
      result: await compare(entry, base, pulled.text, pulled.doc, deps.layout),
    };
  } catch (error) {
    const e = error instanceof SpecsPullError ? error : new SpecsPullError('UNEXPECTED', firstLine(error));
    return {
      entry,
      result: {
        ...base,
        status: 'failed',
        error: { code: e.code, message: e.message },
        changes: [],
        notes: [],
      },
    };
  }
}

async function readCurrent(file: string, label: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new SpecsPullError('FILE_UNREADABLE', `cannot read ${label} (${code})`);
  }
}

function isPlainRemoteHttp(source: string): boolean {
  if (!source.startsWith('http:')) return false;
  const host = new URL(source).hostname;
  return !(host === 'localhost' || host === '[::1]' || /^127\./.test(host));
}

/** The committed file before the vendor's first pull of it: a document with no operations. */
const EMPTY_SPEC: JsonObject = { openapi: '3.0.3', info: { title: '', version: '' }, paths: {} };

async function compare(
  entry: ManifestEntry,
  base: Pick<SpecResult, 'name' | 'file' | 'direction' | 'source'>,
  text: string,
  doc: JsonObject,
  layout: RepoLayout,
): Promise<SpecResult> {
  const current = await readCurrent(specPath(layout.specsDir, entry), `specs/${entry.file}`);
  const after = sha256(text);
  const before = current === null ? null : sha256(current);
  const notes: string[] = [];
  if (isPlainRemoteHttp(base.source))
    notes.push('fetched over plain http from a non-loopback host: review the diff with care');
  if (before !== null && before !== entry.sha256) {
    notes.push(`specs/${entry.file} does not match its sha256 in the manifest (edited by hand?)`);
  }
  if (before === after)
    return { ...base, status: 'unchanged', sha256: { before, after }, changes: [], notes };
  const oldDoc =
    current === null
      ? EMPTY_SPEC
      : parseYamlMapping(current, `specs/${entry.file} (committed)`, 'CURRENT_SPEC_INVALID');
  const overlayText = await readCurrent(overlayPath(layout.specsDir, entry), `specs/${entry.overlay}`);
  if (overlayText === null)
    throw new SpecsPullError('OVERLAY_INVALID', `specs/${entry.overlay} does not exist`);
  let overlay: ReturnType<typeof parseOverlay>;
  try {
    overlay = parseOverlay(overlayText, `specs/${entry.overlay}`);
  } catch (error) {
    throw new SpecsPullError('OVERLAY_INVALID', firstLine(error));
  }
  const oldReplay = await replayOverlay(oldDoc, overlay);
  const newReplay = await replayOverlay(doc, overlay);
  const changes = diffSpecs(oldDoc, doc, {
    direction: entry.direction,
    operationIdOf: operationIdLookup(oldReplay.effective),
  });
  const actions = assessOverlay(overlay, oldReplay, newReplay, changes);
  const effective = new Set(
    diffSpecs(oldReplay.effective, newReplay.effective, { direction: entry.direction }).map(changeKey),
  );
  return {
    ...base,
    status: current === null ? 'new' : 'changed',
    sha256: { before, after },
    changes: changes.map((c) => ({ ...c, inEffectiveSpec: effective.has(changeKey(c)) })),
    overlay: { file: entry.overlay, actions },
    notes,
  };
}

/** What identifies a change independently of the layer it was found in (operationIds may differ). */
function changeKey(c: ContractChange): string {
  const { method, path, part, jsonPath } = c.location;
  return JSON.stringify([c.kind, c.facet, method, path, part, jsonPath, c.before, c.after]);
}

/**
 * The changed spec files, then the manifest with their new sha256 and lastPull. A spec whose bytes did
 * not change is neither written nor re-stamped: an idle pull leaves the working tree clean.
 */
function planWrites(pulled: readonly Pulled[], manifest: Manifest, deps: PullDeps): PlannedWrite[] {
  const changed = pulled.filter((p) => p.result.status === 'changed' || p.result.status === 'new');
  if (changed.length === 0) return [];
  const at = (deps.now?.() ?? new Date()).toISOString();
  const stamps = new Map(
    changed.map((p) => [
      p.entry.file,
      { sha256: sha256(p.text ?? ''), lastPull: { from: p.result.source, at } },
    ]),
  );
  const next: Manifest = { specs: manifest.specs.map((e) => ({ ...e, ...stamps.get(e.file) })) };
  return [
    ...changed.map((p) => ({ file: specPath(deps.layout.specsDir, p.entry), bytes: p.text ?? '' })),
    { file: deps.layout.manifestFile, bytes: serializeManifest(next) },
  ];
}
