import { type ContractChange, countChanges, renderChangesText, safeText } from '../contract-diff/index.js';
import type { Direction } from '../lib/manifest.js';
import { EXIT, type ExitCode, type PullErrorCode } from './errors.js';
import type { ActionImpact } from './overlay-impact.js';

/** `new`: the committed file did not exist, so everything in the pulled one counts as added. */
export type SpecStatus = 'unchanged' | 'changed' | 'new' | 'failed';

/**
 * A vendor-layer change, and whether it survives d1kit's overlay: `false` when the effective spec (the
 * one code is generated from) shows no such change, e.g. a new enum value where the overlay had already
 * opened the enum into known values. Classification stays on the vendor layer; this only explains.
 */
export type PulledChange = ContractChange & { readonly inEffectiveSpec: boolean };

export interface SpecResult {
  readonly name: string;
  readonly file: string;
  readonly direction: Direction;
  readonly source: string;
  readonly status: SpecStatus;
  readonly error?: { readonly code: PullErrorCode; readonly message: string };
  readonly sha256?: { readonly before: string | null; readonly after: string };
  readonly changes: readonly PulledChange[];
  readonly overlay?: { readonly file: string; readonly actions: readonly ActionImpact[] };
  readonly notes: readonly string[];
}

export type Outcome = 'no-change' | 'non-breaking' | 'breaking' | 'failure';

export interface PullReport {
  readonly exitCode: ExitCode;
  readonly outcome: Outcome;
  readonly dryRun: boolean;
  readonly specs: readonly SpecResult[];
  /** Paths relative to the repository root, in the order they were replaced. */
  readonly written: readonly string[];
  readonly writeError?: { readonly code: PullErrorCode; readonly message: string };
  /** A failure before any spec was looked at (the manifest could not be read). */
  readonly error?: { readonly code: PullErrorCode; readonly message: string };
}

export function isBreaking(spec: SpecResult): boolean {
  return (
    spec.changes.some((c) => c.breaking) ||
    (spec.overlay?.actions.some((a) => a.status === 'unused') ?? false)
  );
}

export function outcomeOf(
  specs: readonly SpecResult[],
  writeFailed: boolean,
): { outcome: Outcome; exitCode: ExitCode } {
  if (writeFailed || specs.some((s) => s.status === 'failed'))
    return { outcome: 'failure', exitCode: EXIT.failure };
  if (specs.some(isBreaking)) return { outcome: 'breaking', exitCode: EXIT.breaking };
  if (specs.some((s) => s.status !== 'unchanged'))
    return { outcome: 'non-breaking', exitCode: EXIT.nonBreaking };
  return { outcome: 'no-change', exitCode: EXIT.noChange };
}

function renderSpec(spec: SpecResult): string {
  const role = spec.direction === 'inbound' ? 'client' : 'server';
  let text = `${spec.name} (${spec.direction}; d1kit is the ${role}) from ${safeText(spec.source)}\n`;
  if (spec.status === 'failed') {
    return `${text}  FAILED [${spec.error?.code}] ${safeText(spec.error?.message ?? '')}\n`;
  }
  if (spec.status === 'unchanged') return `${text}  unchanged\n${notes(spec)}`;
  const { breaking, nonBreaking } = countChanges(spec.changes);
  const what = spec.status === 'new' ? 'new file' : 'changed';
  text += `  ${what}: ${breaking} breaking, ${nonBreaking} non-breaking contract change(s)\n`;
  if (spec.changes.length > 0) text += renderChangesText(spec.changes, '  ', absorbedRemark);
  else text += '  the file changed, its contract did not (prose, examples or formatting)\n';
  const actions = spec.overlay?.actions ?? [];
  if (spec.overlay && actions.length > 0) {
    text += `  overlay ${spec.overlay.file} (${actions.length} action(s) concerned):\n`;
    for (const a of actions) {
      const label = a.description ? ` (${safeText(a.description)})` : '';
      text += `    - ${a.status} #${a.index} ${safeText(a.target)}${label}: ${a.detail}\n`;
      for (const change of a.changes.slice(0, 5)) text += `        ${change}\n`;
      if (a.changes.length > 5) text += `        … and ${a.changes.length - 5} more\n`;
    }
  } else if (spec.overlay) {
    text += `  overlay ${spec.overlay.file}: no action concerned\n`;
  }
  return text + notes(spec);
}

function absorbedRemark(change: PulledChange): string | undefined {
  return change.inEffectiveSpec
    ? undefined
    : "(the overlay absorbs it: d1kit's effective spec does not change here)";
}

function notes(spec: SpecResult): string {
  return spec.notes.map((n) => `  note: ${n}\n`).join('');
}

/** Per spec: a header line, changes grouped breaking/non-breaking, overlay impact; then one summary line. */
export function renderReportText(report: PullReport): string {
  const body = report.specs.map(renderSpec).join('\n');
  const count = (status: SpecStatus) => report.specs.filter((s) => s.status === status).length;
  const changed = report.specs.filter((s) => s.status === 'changed' || s.status === 'new');
  const breaking = changed.filter(isBreaking).length;
  const parts = [
    `${report.specs.length} spec(s)`,
    `${count('unchanged')} unchanged`,
    `${changed.length} changed (${breaking} with breaking changes)`,
    `${count('failed')} failed`,
  ];
  let tail: string;
  if (report.writeError) tail = `write failed [${report.writeError.code}] ${report.writeError.message}`;
  else if (report.written.length > 0) tail = `wrote ${report.written.join(', ')}; now run \`pnpm generate\``;
  else if (report.outcome === 'failure') tail = 'nothing written: every spec must pull cleanly first';
  else if (report.dryRun && changed.length > 0) tail = 'dry run: nothing written';
  else tail = 'nothing to write';
  return `${body}\nsummary: ${parts.join(', ')}; exit ${report.exitCode} (${report.outcome}); ${tail}\n`;
}

export function renderReportJson(report: PullReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
