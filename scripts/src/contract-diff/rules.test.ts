import { describe, expect, it } from 'vitest';
import { type Column, classify, columnOf, RULES, verdictFor } from './rules.js';
import type { ChangeFacts, ChangeKind, Flow, RawChange, Role } from './types.js';

const SCHEMA_KINDS: ChangeKind[] = [
  'property-added',
  'property-removed',
  'required-added',
  'required-removed',
  'enum-value-added',
  'enum-value-removed',
  'schema-narrowed',
  'schema-widened',
  'schema-changed',
  'media-type-added',
  'media-type-removed',
];
const REQUEST_KINDS: ChangeKind[] = [
  'operation-added',
  'operation-removed',
  'operation-path-changed',
  'operation-id-added',
  'operation-id-removed',
  'operation-id-changed',
  'security-changed',
  'parameter-added',
  'parameter-removed',
  'parameter-required-added',
  'parameter-required-removed',
  'parameter-style-changed',
  'request-body-added',
  'request-body-removed',
  'request-body-required-added',
  'request-body-required-removed',
];
const RESPONSE_KINDS: ChangeKind[] = [
  'response-added',
  'response-removed',
  'header-added',
  'header-removed',
  'header-required-added',
  'header-required-removed',
];

function change(kind: ChangeKind, flow: Flow | 'operation', facts?: ChangeFacts): RawChange {
  return {
    kind,
    location: { method: 'POST', path: '/x', flow, part: 'p', jsonPath: '$' },
    pointer: '/x',
    ...(facts ? { facts } : {}),
  };
}

const verdict = (kind: ChangeKind, role: Role, flow: Flow | 'operation', facts?: ChangeFacts) =>
  verdictFor(change(kind, flow, facts), role).breaking;

describe('the rule table', () => {
  it('has a row for every kind and a cell for every position the walkers can emit it in', () => {
    const every = [...SCHEMA_KINDS, ...REQUEST_KINDS, ...RESPONSE_KINDS];
    expect(new Set(every)).toEqual(new Set(Object.keys(RULES)));
    const need = (kinds: ChangeKind[], columns: Column[]) => {
      for (const kind of kinds)
        for (const column of columns) expect(RULES[kind][column], `${kind} / ${column}`).toBeDefined();
    };
    need(SCHEMA_KINDS, ['clientSends', 'clientReceives', 'serverReceives', 'serverSends']);
    need(REQUEST_KINDS, ['clientSends', 'serverReceives']);
    need(RESPONSE_KINDS, ['clientReceives', 'serverSends']);
  });

  it('gives every verdict a reason', () => {
    const factsList: ChangeFacts[] = [
      {},
      { required: true },
      { closed: true },
      { in: 'query' },
      { status: '200' },
    ];
    for (const row of Object.values(RULES)) {
      for (const cell of Object.values(row)) {
        for (const facts of factsList) {
          const v = typeof cell === 'function' ? cell(facts) : cell;
          expect(v.why.length).toBeGreaterThan(10);
        }
      }
    }
  });

  it('maps role and flow to columns; operation-level changes use the request side', () => {
    expect(columnOf('client', 'request')).toBe('clientSends');
    expect(columnOf('client', 'response')).toBe('clientReceives');
    expect(columnOf('server', 'request')).toBe('serverReceives');
    expect(columnOf('server', 'response')).toBe('serverSends');
    expect(columnOf('server', 'operation')).toBe('serverReceives');
  });

  it('treats a change in a position without a rule as breaking and says so', () => {
    const v = verdictFor(change('response-added', 'request'), 'client');
    expect(v).toEqual({ breaking: true, why: 'no rule for response-added here; treated as breaking' });
  });

  it('drops the internal facts from a classified change', () => {
    const c = classify(change('property-added', 'request', { required: true }), 'client');
    expect(c).not.toHaveProperty('facts');
    expect(c.breaking).toBe(true);
  });
});

describe('inbound specs: d1kit is the client', () => {
  it('breaks on a tightened request, a new required request field, a removed operation or read field, a removed request enum value', () => {
    expect(verdict('schema-narrowed', 'client', 'request')).toBe(true);
    expect(verdict('property-added', 'client', 'request', { required: true })).toBe(true);
    expect(verdict('operation-removed', 'client', 'operation')).toBe(true);
    expect(verdict('property-removed', 'client', 'response')).toBe(true);
    expect(verdict('enum-value-removed', 'client', 'request')).toBe(true);
  });

  it('accepts a new optional request field, a new status code, a new response field and a new response enum value', () => {
    expect(verdict('property-added', 'client', 'request', { required: false })).toBe(false);
    expect(verdict('response-added', 'client', 'response')).toBe(false);
    expect(verdict('property-added', 'client', 'response')).toBe(false);
    expect(verdict('enum-value-added', 'client', 'response')).toBe(false);
    expect(verdictFor(change('enum-value-added', 'response'), 'client').why).toMatch(/9\.3/);
  });

  it('follows rule 9.3 on required-ness: responses may gain, requests may lose', () => {
    expect(verdict('required-added', 'client', 'response')).toBe(false);
    expect(verdict('required-removed', 'client', 'request')).toBe(false);
    expect(verdict('parameter-required-removed', 'client', 'request')).toBe(false);
  });
});

describe('outbound specs: d1kit is the server', () => {
  it('breaks when D1 may send more than d1kit validates or handles', () => {
    expect(verdict('property-added', 'server', 'request', { required: true })).toBe(true);
    expect(verdict('property-added', 'server', 'request', { closed: true })).toBe(true);
    expect(verdict('enum-value-added', 'server', 'request')).toBe(true);
    expect(verdict('schema-widened', 'server', 'request')).toBe(true);
    expect(verdict('required-removed', 'server', 'request')).toBe(true);
    expect(verdict('operation-added', 'server', 'operation')).toBe(true);
    expect(verdict('parameter-added', 'server', 'request', { in: 'query' })).toBe(true);
  });

  it('breaks when the response d1kit sends must now carry more', () => {
    expect(verdict('required-added', 'server', 'response')).toBe(true);
    expect(verdict('header-added', 'server', 'response', { required: true })).toBe(true);
    expect(verdict('header-required-added', 'server', 'response')).toBe(true);
  });

  it('accepts new optional response fields, an open request gaining a field, and narrower D1 traffic', () => {
    expect(verdict('property-added', 'server', 'response', { required: false })).toBe(false);
    expect(verdict('property-added', 'server', 'request', { required: false, closed: false })).toBe(false);
    expect(verdict('schema-narrowed', 'server', 'request')).toBe(false);
    expect(verdict('enum-value-removed', 'server', 'request')).toBe(false);
    expect(verdict('operation-removed', 'server', 'operation')).toBe(false);
    expect(verdict('parameter-added', 'server', 'request', { in: 'header' })).toBe(false);
  });
});
