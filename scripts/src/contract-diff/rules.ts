import type { ChangeFacts, ChangeKind, ContractChange, Flow, RawChange, Role } from './types.js';

/**
 * The one place that decides whether a change breaks d1kit. A change is judged from where it sits:
 *
 *   column          | spec     | d1kit's role | d1kit ... the message
 *   clientSends     | inbound  | client       | sends the request
 *   clientReceives  | inbound  | client       | receives the response
 *   serverReceives  | outbound | server       | receives the request (D1's traffic)
 *   serverSends     | outbound | server       | sends the response
 *
 * The principle: what the receiver accepts must still cover everything the sender may send. A sender
 * breaks when the contract narrows (fewer values allowed, more required); a receiver breaks when it
 * widens (D1 may now send what d1kit's validation rejects or its code does not handle). Two D1 rules
 * (contract 9.3) soften the client columns: clients must accept unknown fields, new enum values, new
 * operations and new status codes, and D1 may make optional response fields required and required
 * request fields optional. Operation-level changes use the request columns (requests create operations).
 */
export type Column = 'clientSends' | 'clientReceives' | 'serverReceives' | 'serverSends';

export interface Verdict {
  readonly breaking: boolean;
  readonly why: string;
}

type Cell = Verdict | ((facts: ChangeFacts) => Verdict);
type Row = Readonly<Partial<Record<Column, Cell>>>;

const breaks = (why: string): Verdict => ({ breaking: true, why });
const safe = (why: string): Verdict => ({ breaking: false, why });

const UNKNOWN_FIELDS = 'clients accept unknown fields (D1 rule 9.3)';
const CLOSED_RECEIVER =
  'the schema is closed (additionalProperties: false), so validation rejects the new field';

export const RULES: Readonly<Record<ChangeKind, Row>> = {
  'operation-added': {
    clientSends: safe(
      'a new operation leaves existing calls alone (D1 rule 9.3: clients accept new operations)',
    ),
    serverReceives: breaks('D1 may now call an endpoint d1kit does not serve'),
  },
  'operation-removed': {
    clientSends: breaks('d1kit calls an operation D1 no longer publishes'),
    serverReceives: safe('D1 stops calling this endpoint; its handler becomes unused'),
  },
  'operation-path-changed': {
    clientSends: breaks('d1kit sends the call to a path D1 no longer serves'),
    serverReceives: breaks('D1 calls a path d1kit does not route'),
  },
  'operation-id-added': {
    clientSends: safe('the wire is unchanged; d1kit names the operation through its overlay'),
    serverReceives: safe('the wire is unchanged; d1kit names the operation through its overlay'),
  },
  'operation-id-removed': {
    clientSends: breaks('generated code is keyed by operationId; the overlay must now supply it'),
    serverReceives: breaks('generated code is keyed by operationId; the overlay must now supply it'),
  },
  'operation-id-changed': {
    clientSends: breaks('generated names are keyed by operationId (the wire itself is unchanged)'),
    serverReceives: breaks('generated handlers are keyed by operationId (the wire itself is unchanged)'),
  },
  'security-changed': {
    clientSends: breaks('d1kit authenticates as the old requirements say; D1 may refuse it'),
    serverReceives: breaks('d1kit checks credentials as the old requirements say; D1 may present others'),
  },
  'parameter-added': {
    clientSends: (f) =>
      f.required ? breaks('d1kit must now send it') : safe('d1kit may omit an optional parameter'),
    serverReceives: (f) => {
      if (f.required) return breaks('D1 sends a new mandatory parameter the handler must honour');
      if (f.in === 'query')
        return breaks('request validation rejects unknown query parameters D1 may now send');
      return safe('unknown headers and cookies pass validation; the handler may ignore it');
    },
  },
  'parameter-removed': {
    clientSends: breaks('d1kit still sends a parameter D1 no longer defines; D1 may reject it'),
    serverReceives: (f) =>
      f.required
        ? breaks('validation still requires a parameter D1 stops sending')
        : safe('D1 stops sending an optional parameter the handler already does without'),
  },
  'parameter-required-added': {
    clientSends: breaks('d1kit may omit it today; D1 now requires it'),
    serverReceives: safe('D1 now always sends it'),
  },
  'parameter-required-removed': {
    clientSends: safe('d1kit keeps sending it (D1 rule 9.3: required request fields may become optional)'),
    serverReceives: breaks('validation and handlers still require a parameter D1 may now omit'),
  },
  'parameter-style-changed': {
    clientSends: breaks('d1kit serialises the parameter the old way'),
    serverReceives: breaks('d1kit parses the parameter the old way'),
  },
  'request-body-added': {
    clientSends: (f) =>
      f.required
        ? breaks('D1 now requires a body d1kit does not send')
        : safe('d1kit may omit an optional body'),
    serverReceives: breaks('D1 may now send a body the handler neither validates nor reads'),
  },
  'request-body-removed': {
    clientSends: breaks('d1kit sends a body D1 no longer defines'),
    serverReceives: (f) =>
      f.required
        ? breaks('validation still requires a body D1 stops sending')
        : safe('D1 stops sending an optional body'),
  },
  'request-body-required-added': {
    clientSends: breaks('d1kit may omit the body today; D1 now requires it'),
    serverReceives: safe('D1 now always sends it'),
  },
  'request-body-required-removed': {
    clientSends: safe('d1kit keeps sending it (D1 rule 9.3: required request fields may become optional)'),
    serverReceives: breaks('validation still requires a body D1 may now omit'),
  },
  'media-type-added': {
    clientSends: safe('d1kit keeps sending a content type D1 still accepts'),
    clientReceives: safe("D1 answers in a type from d1kit's Accept header; the types d1kit parses remain"),
    serverReceives: breaks('D1 may send a content type d1kit does not parse'),
    serverSends: safe('d1kit need not produce the new type'),
  },
  'media-type-removed': {
    clientSends: breaks('D1 no longer accepts a content type d1kit may send'),
    clientReceives: breaks('a body type d1kit parses is no longer documented'),
    serverReceives: safe('D1 stops sending that content type'),
    serverSends: breaks('d1kit answers in a content type D1 no longer accepts'),
  },
  'response-added': {
    clientReceives: safe('clients accept new status codes (D1 rule 9.3); the default response covers it'),
    serverSends: safe('d1kit is not obliged to return the new status'),
  },
  'response-removed': {
    clientReceives: (f) =>
      /^2/.test(f.status ?? '')
        ? breaks('a success response d1kit reads is gone')
        : safe('D1 stops returning this status; its handling becomes unused'),
    serverSends: breaks('d1kit returns a status D1 no longer expects'),
  },
  'header-added': {
    clientReceives: safe('d1kit may ignore an extra response header'),
    serverSends: (f) =>
      f.required ? breaks('d1kit must now send it') : safe('d1kit may omit an optional header'),
  },
  'header-removed': {
    clientReceives: breaks('a response header d1kit may read is gone'),
    serverSends: safe('D1 ignores a header d1kit still sends'),
  },
  'header-required-added': {
    clientReceives: safe(
      'D1 now always sends it (D1 rule 9.3 allows optional response fields to become required)',
    ),
    serverSends: breaks('d1kit must now always send it'),
  },
  'header-required-removed': {
    clientReceives: breaks('d1kit may rely on a header D1 may now omit'),
    serverSends: safe('d1kit keeps sending it'),
  },
  'property-added': {
    clientSends: (f) =>
      f.required ? breaks('d1kit must now send it') : safe('d1kit may omit an optional field'),
    clientReceives: (f) => (f.closed ? breaks(CLOSED_RECEIVER) : safe(UNKNOWN_FIELDS)),
    serverReceives: (f) => {
      if (f.closed) return breaks(CLOSED_RECEIVER);
      if (f.required) return breaks('D1 sends a new mandatory field the handler must process');
      return safe('request validation passes unknown fields; the handler may ignore it');
    },
    serverSends: (f) =>
      f.required ? breaks('d1kit must now send it') : safe('d1kit may omit an optional field'),
  },
  'property-removed': {
    clientSends: breaks('d1kit still sends a field D1 no longer defines; D1 may reject or ignore it'),
    clientReceives: breaks('a field d1kit reads is gone'),
    serverReceives: (f) =>
      f.required
        ? breaks('validation still requires a field D1 stops sending')
        : breaks('a field the handler reads is gone'),
    serverSends: (f) =>
      f.closed
        ? breaks("D1's response schema is closed and rejects the field d1kit still sends")
        : safe('D1 ignores unknown fields in responses (D1 rule 9.3)'),
  },
  'required-added': {
    clientSends: breaks('d1kit may omit it today; D1 now requires it'),
    clientReceives: safe('D1 rule 9.3: optional response fields may become required'),
    serverReceives: safe('D1 now always sends it'),
    serverSends: breaks('d1kit must now always send it'),
  },
  'required-removed': {
    clientSends: safe('d1kit keeps sending it (D1 rule 9.3: required request fields may become optional)'),
    clientReceives: breaks('d1kit may rely on a field D1 may now omit'),
    serverReceives: breaks('validation rejects requests that omit it, which D1 may now do'),
    serverSends: safe('d1kit keeps sending it'),
  },
  'enum-value-added': {
    clientSends: safe('d1kit may use the new value'),
    clientReceives: safe(
      "not breaking under D1's forward-compatibility rule 9.3 (clients accept new enum values); check that " +
        'the code handling this field tolerates values it does not know',
    ),
    serverReceives: breaks('request validation rejects the new value D1 may send'),
    serverSends: safe('d1kit may return the new value'),
  },
  'enum-value-removed': {
    clientSends: breaks('D1 rejects a value d1kit may send'),
    clientReceives: safe('D1 stops returning the value'),
    serverReceives: safe('D1 stops sending the value'),
    serverSends: breaks('D1 no longer accepts a value d1kit may return'),
  },
  'schema-narrowed': {
    clientSends: breaks('values d1kit sends may no longer be accepted'),
    clientReceives: safe('everything D1 returns still fits what d1kit expects'),
    serverReceives: safe('everything D1 sends still passes validation'),
    serverSends: breaks('values d1kit returns may no longer be accepted'),
  },
  'schema-widened': {
    clientSends: safe('everything d1kit sends stays valid'),
    clientReceives: breaks("D1 may return values that d1kit's validation or storage does not expect"),
    serverReceives: breaks("D1 may send values that d1kit's request validation rejects"),
    serverSends: safe('everything d1kit returns stays valid'),
  },
  'schema-changed': {
    clientSends: breaks('old and new constraints cannot be compared; compatibility cannot be shown'),
    clientReceives: breaks('old and new constraints cannot be compared; compatibility cannot be shown'),
    serverReceives: breaks('old and new constraints cannot be compared; compatibility cannot be shown'),
    serverSends: breaks('old and new constraints cannot be compared; compatibility cannot be shown'),
  },
};

export function columnOf(role: Role, flow: Flow | 'operation'): Column {
  const request = flow !== 'response';
  if (role === 'client') return request ? 'clientSends' : 'clientReceives';
  return request ? 'serverReceives' : 'serverSends';
}

/** A change in a position the table has no cell for is treated as breaking and says so. */
export function verdictFor(change: RawChange, role: Role): Verdict {
  const cell = RULES[change.kind][columnOf(role, change.location.flow)];
  if (cell === undefined) return breaks(`no rule for ${change.kind} here; treated as breaking`);
  return typeof cell === 'function' ? cell(change.facts ?? {}) : cell;
}

export function classify(change: RawChange, role: Role): ContractChange {
  const { facts: _facts, ...rest } = change;
  return { ...rest, ...verdictFor(change, role) };
}
