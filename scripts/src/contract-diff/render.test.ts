import { describe, expect, it } from 'vitest';
import { diffSpecs } from './diff.js';
import { cardDoc } from './fixtures.test-helpers.js';
import { countChanges, formatValue, renderChangesText, safeText } from './render.js';
import type { ContractChange } from './types.js';

describe('renderChangesText', () => {
  it('groups breaking changes first, each with its location, what changed and why', () => {
    const before = cardDoc({ req: { type: 'object', properties: { s: { type: 'string', maxLength: 9 } } } });
    const after = cardDoc({
      req: { type: 'object', properties: { s: { type: 'string', maxLength: 5 }, t: { type: 'string' } } },
    });
    const changes = diffSpecs(before, after, { direction: 'inbound' });
    expect(countChanges(changes)).toEqual({ breaking: 1, nonBreaking: 1 });
    expect(renderChangesText(changes)).toBe(
      [
        '  breaking (1):',
        '    - POST /cards/{cardId} (createCard) · request body application/json · $.s',
        '      schema-narrowed maxLength: 9 → 5 — values d1kit sends may no longer be accepted',
        '  non-breaking (1):',
        '    - POST /cards/{cardId} (createCard) · request body application/json · $.t',
        '      property-added: "string" — d1kit may omit an optional field',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to show', () => {
    expect(renderChangesText([], '    ')).toBe('    no contract changes\n');
  });

  it('escapes control characters from the document and clips long values', () => {
    const change: ContractChange = {
      kind: 'enum-value-added',
      location: {
        method: 'GET',
        path: '/a\u001b[31m',
        flow: 'response',
        part: 'response 200',
        jsonPath: '$',
      },
      pointer: '/x',
      after: 'x'.repeat(200),
      breaking: false,
      why: 'because',
    };
    const text = renderChangesText([change]);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('/a\\u001b[31m');
    expect(formatValue('x'.repeat(200))).toHaveLength(80);
    expect(safeText('tab\there')).toBe('tab\\u0009here');
    expect(formatValue(undefined)).toBe('(none)');
  });
});
