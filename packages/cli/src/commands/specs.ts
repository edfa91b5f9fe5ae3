import { parseArgs } from 'node:util';
import { type OperationMeta, operations, type SpecMeta, specs } from '@d1kit/generated';
import { type Command, UsageError } from '../command.js';

const USAGE = `Usage: d1kit specs [--json] [--direction inbound|outbound]

Summarises the D1 specs d1kit carries: each spec's servers and operations (method, path,
operationId, success codes, JWE-protected fields) and how many of its details are d1kit assumptions.
Reads the generated metadata, so it reflects the last \`pnpm generate\`.`;

function describeOperation(op: OperationMeta): string {
  const jwe = op.jweFields.map(
    (f) => `${f.in === 'request' ? 'req' : `res ${f.status}`} ${f.pointer}→${f.schema}`,
  );
  const auth =
    op.security.length === 0
      ? 'no token'
      : op.security.map((alt) => (alt.length === 0 ? 'none' : alt.join('+'))).join(' | ');
  return [
    `    ${op.method.toUpperCase().padEnd(6)} ${op.path}`,
    `           ${op.operationId} → ${op.successCodes.join('/') || 'no 2xx'}; auth: ${auth}` +
      (jwe.length > 0 ? `; JWE: ${jwe.join(', ')}` : '') +
      (op.assumptions.length > 0 ? `; ${op.assumptions.length} assumption(s)` : ''),
  ].join('\n');
}

export function renderSpecsSummary(filter?: 'inbound' | 'outbound'): string {
  const all = Object.values(specs) as readonly SpecMeta[];
  const chosen = all.filter((s) => !filter || s.direction === filter);
  const byId = operations as Readonly<Record<string, OperationMeta>>;
  const blocks = chosen.map((spec) => {
    const ops = spec.operationIds.map((id) => byId[id]).filter((op): op is OperationMeta => op !== undefined);
    const servers = spec.servers.map(
      (s) => `    server ${s.url}${s.description ? ` (${s.description})` : ''}`,
    );
    return [
      `${spec.name}  [${spec.direction}]  ${spec.title} ${spec.version}  (${spec.assumptionCount} d1kit assumption(s))`,
      ...servers,
      ...ops.map(describeOperation),
    ].join('\n');
  });
  const opCount = chosen.reduce((n, s) => n + s.operationIds.length, 0);
  return `${blocks.join('\n\n')}\n\n${chosen.length} spec(s), ${opCount} operation(s).\n`;
}

export const specsCommand: Command = {
  summary: 'summarise the D1 specs and operations d1kit carries',
  usage: USAGE,
  async run(argv, io) {
    let values: { json?: boolean; direction?: string };
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: { json: { type: 'boolean' }, direction: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const direction = values.direction;
    if (direction !== undefined && direction !== 'inbound' && direction !== 'outbound') {
      throw new UsageError(`--direction must be inbound or outbound, not '${direction}'`);
    }
    if (values.json) {
      const chosen = Object.values(specs as Readonly<Record<string, SpecMeta>>).filter(
        (s) => !direction || s.direction === direction,
      );
      const byId = operations as Readonly<Record<string, OperationMeta>>;
      const out = chosen.map((s) => ({ ...s, operations: s.operationIds.map((id) => byId[id]) }));
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      io.stdout(renderSpecsSummary(direction));
    }
    return 0;
  },
};
