import type { ContractChange } from './types.js';

/**
 * Text from a pulled document reaches a terminal: control characters (escape sequences included) are
 * shown escaped, never interpreted.
 */
export function safeText(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const MAX_VALUE = 80;

export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  const clipped = text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
  return safeText(clipped);
}

/** `POST /cards (createCard) · request body application/json · $.card.status` */
export function formatLocation(change: ContractChange): string {
  const { method, path, operationId, part, jsonPath } = change.location;
  const parts = [`${method} ${path}${operationId ? ` (${operationId})` : ''}`];
  if (part !== 'operation') parts.push(part);
  if (jsonPath !== '') parts.push(jsonPath);
  return safeText(parts.join(' · '));
}

/** `schema-narrowed maxLength: 64 → 48` */
export function formatWhat(change: ContractChange): string {
  const head = change.facet ? `${change.kind} ${change.facet}` : change.kind;
  const hasBefore = 'before' in change;
  const hasAfter = 'after' in change;
  if (hasBefore && hasAfter) return `${head}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
  if (hasBefore) return `${head}: ${formatValue(change.before)}`;
  if (hasAfter) return `${head}: ${formatValue(change.after)}`;
  return head;
}

export interface ChangeCounts {
  readonly breaking: number;
  readonly nonBreaking: number;
}

export function countChanges(changes: readonly ContractChange[]): ChangeCounts {
  const breaking = changes.filter((c) => c.breaking).length;
  return { breaking, nonBreaking: changes.length - breaking };
}

/**
 * Changes grouped breaking first, each as its location then what changed and why it matters; `remark`
 * may add a line under a change (the pull uses it to say when d1kit's overlay absorbs the change).
 */
export function renderChangesText<C extends ContractChange>(
  changes: readonly C[],
  indent = '  ',
  remark: (change: C) => string | undefined = () => undefined,
): string {
  if (changes.length === 0) return `${indent}no contract changes\n`;
  const lines: string[] = [];
  const group = (title: string, list: readonly C[]) => {
    if (list.length === 0) return;
    lines.push(`${indent}${title} (${list.length}):`);
    for (const change of list) {
      lines.push(`${indent}  - ${formatLocation(change)}`);
      lines.push(`${indent}    ${formatWhat(change)} — ${change.why}`);
      const extra = remark(change);
      if (extra) lines.push(`${indent}    ${extra}`);
    }
  };
  group(
    'breaking',
    changes.filter((c) => c.breaking),
  );
  group(
    'non-breaking',
    changes.filter((c) => !c.breaking),
  );
  return `${lines.join('\n')}\n`;
}
