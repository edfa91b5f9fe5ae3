import { describe, expect, it } from 'vitest';
import { diffSpecs } from './diff.js';
import { briefDiff, cardDoc } from './fixtures.test-helpers.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...extra,
});

/** Diffs a change to the request schema and to the response schema, for both roles. */
function both(before: Record<string, unknown>, after: Record<string, unknown>) {
  return {
    request: {
      inbound: briefDiff(cardDoc({ req: before }), cardDoc({ req: after }), 'inbound'),
      outbound: briefDiff(cardDoc({ req: before }), cardDoc({ req: after }), 'outbound'),
    },
    response: {
      inbound: briefDiff(cardDoc({ res: before }), cardDoc({ res: after }), 'inbound'),
      outbound: briefDiff(cardDoc({ res: before }), cardDoc({ res: after }), 'outbound'),
    },
  };
}

describe('schema properties', () => {
  it('reports nothing for identical documents', () => {
    expect(diffSpecs(cardDoc(), cardDoc(), { direction: 'inbound' })).toEqual([]);
  });

  it('an optional field added is safe everywhere while the receiving schema is open', () => {
    const r = both(obj({ a: { type: 'string' } }), obj({ a: { type: 'string' }, b: { type: 'string' } }));
    expect(r.request).toEqual({ inbound: ['property-added $.b N'], outbound: ['property-added $.b N'] });
    expect(r.response).toEqual({ inbound: ['property-added $.b N'], outbound: ['property-added $.b N'] });
  });

  it('a field added to a closed schema breaks only the receiver', () => {
    const closed = { additionalProperties: false };
    const r = both(obj({ a: { type: 'string' } }, closed), obj({ a: { type: 'string' }, b: {} }, closed));
    expect(r.request).toEqual({ inbound: ['property-added $.b N'], outbound: ['property-added $.b B'] });
    expect(r.response).toEqual({ inbound: ['property-added $.b B'], outbound: ['property-added $.b N'] });
  });

  it('a required field added breaks senders, and servers that must now process it', () => {
    const r = both(obj({}), obj({ b: { type: 'string' } }, { required: ['b'] }));
    expect(r.request).toEqual({ inbound: ['property-added $.b B'], outbound: ['property-added $.b B'] });
    expect(r.response).toEqual({ inbound: ['property-added $.b N'], outbound: ['property-added $.b B'] });
  });

  it('a removed field breaks whoever reads it; a server sending extra fields to D1 is fine', () => {
    const r = both(obj({ a: { type: 'string' }, b: { type: 'string' } }), obj({ a: { type: 'string' } }));
    expect(r.request).toEqual({ inbound: ['property-removed $.b B'], outbound: ['property-removed $.b B'] });
    expect(r.response).toEqual({ inbound: ['property-removed $.b B'], outbound: ['property-removed $.b N'] });
    const closed = both(obj({ b: {} }), obj({}, { additionalProperties: false }));
    expect(closed.response.outbound).toContain('property-removed $.b B');
  });

  it('required-ness follows D1 rule 9.3 for clients and the sender/receiver rule for servers', () => {
    const optional = obj({ a: { type: 'string' } });
    const required = obj({ a: { type: 'string' } }, { required: ['a'] });
    expect(both(optional, required)).toEqual({
      request: { inbound: ['required-added $.a B'], outbound: ['required-added $.a N'] },
      response: { inbound: ['required-added $.a N'], outbound: ['required-added $.a B'] },
    });
    expect(both(required, optional)).toEqual({
      request: { inbound: ['required-removed $.a N'], outbound: ['required-removed $.a B'] },
      response: { inbound: ['required-removed $.a B'], outbound: ['required-removed $.a N'] },
    });
  });

  it('names awkward property names with brackets', () => {
    expect(
      briefDiff(cardDoc(), cardDoc({ req: obj({ a: { type: 'string' }, 'a b': {} }) }), 'inbound'),
    ).toEqual(['property-added $["a b"] N']);
  });
});

describe('enums', () => {
  const e = (values: string[]) => obj({ s: { type: 'string', enum: values } });

  it('a value added to a response is safe for clients (rule 9.3, said so) and breaks validating servers', () => {
    const r = both(e(['A']), e(['A', 'B']));
    expect(r.response.inbound).toEqual(['enum-value-added $.s N']);
    expect(r.request.outbound).toEqual(['enum-value-added $.s B']);
    const [change] = diffSpecs(cardDoc({ res: e(['A']) }), cardDoc({ res: e(['A', 'B']) }), {
      direction: 'inbound',
    });
    expect(change?.after).toBe('B');
    expect(change?.why).toMatch(/forward-compatibility rule 9\.3/);
    expect(change?.pointer).toBe('/components/schemas/Res/properties/s/enum');
  });

  it('a value removed from a request breaks the client; one value per change', () => {
    const r = both(e(['A', 'B', 'C']), e(['A']));
    expect(r.request.inbound).toEqual(['enum-value-removed $.s B', 'enum-value-removed $.s B']);
    expect(r.response.inbound).toEqual(['enum-value-removed $.s N', 'enum-value-removed $.s N']);
    expect(r.response.outbound).toEqual(['enum-value-removed $.s B', 'enum-value-removed $.s B']);
  });

  it('ignores order and treats adding or dropping the whole enum as narrowing or widening', () => {
    expect(both(e(['A', 'B']), e(['B', 'A'])).request.inbound).toEqual([]);
    const open = obj({ s: { type: 'string' } });
    expect(both(open, e(['A'])).request.inbound).toEqual(['schema-narrowed enum $.s B']);
    expect(both(e(['A']), open).request.outbound).toEqual(['schema-widened enum $.s B']);
  });
});

describe('types and constraints', () => {
  const field = (schema: Record<string, unknown>) => obj({ f: schema });

  it('integer → number widens; number → integer narrows', () => {
    const r = both(field({ type: 'integer' }), field({ type: 'number' }));
    expect(r.request.inbound).toEqual(['schema-widened type $.f N']);
    expect(r.response.inbound).toEqual(['schema-widened type $.f B']);
    expect(both(field({ type: 'number' }), field({ type: 'integer' })).request.inbound).toEqual([
      'schema-narrowed type $.f B',
    ]);
  });

  it('an incomparable type change breaks everyone and does not descend into the new shape', () => {
    const r = both(field({ type: 'string', maxLength: 3 }), field({ type: 'object', properties: { x: {} } }));
    for (const list of [r.request.inbound, r.request.outbound, r.response.inbound, r.response.outbound]) {
      expect(list).toEqual(['schema-changed type $.f B']);
    }
  });

  it('bounds: tightening breaks senders, loosening breaks receivers', () => {
    const r = both(
      field({ type: 'string', minLength: 1, maxLength: 64 }),
      field({ type: 'string', minLength: 2, maxLength: 48 }),
    );
    expect(r.request.inbound).toEqual(['schema-narrowed minLength $.f B', 'schema-narrowed maxLength $.f B']);
    expect(r.request.outbound).toEqual([
      'schema-narrowed minLength $.f N',
      'schema-narrowed maxLength $.f N',
    ]);
    const loose = both(field({ type: 'integer', maximum: 10 }), field({ type: 'integer' }));
    expect(loose.response.inbound).toEqual(['schema-widened maximum $.f B']);
    expect(loose.request.outbound).toEqual(['schema-widened maximum $.f B']);
    expect(loose.request.inbound).toEqual(['schema-widened maximum $.f N']);
    const [change] = diffSpecs(
      cardDoc({ req: field({ maxLength: 64 }) }),
      cardDoc({ req: field({ maxLength: 48 }) }),
      {
        direction: 'inbound',
      },
    );
    expect(change).toMatchObject({
      before: 64,
      after: 48,
      pointer: '/components/schemas/Req/properties/f/maxLength',
    });
  });

  it('pattern and format: added narrows, removed widens, replaced cannot be compared', () => {
    const p = (pattern?: string) => field(pattern ? { type: 'string', pattern } : { type: 'string' });
    expect(both(p(), p('^a$')).request.inbound).toEqual(['schema-narrowed pattern $.f B']);
    expect(both(p('^a$'), p()).request.outbound).toEqual(['schema-widened pattern $.f B']);
    expect(both(p('^a$'), p('^b$')).response.inbound).toEqual(['schema-changed pattern $.f B']);
    expect(
      both(field({ type: 'string', format: 'date' }), field({ type: 'string', format: 'date-time' })).request
        .inbound,
    ).toEqual(['schema-changed format $.f B']);
  });

  it('flags, nullable and multipleOf', () => {
    expect(
      both(field({ type: 'array' }), field({ type: 'array', uniqueItems: true })).request.inbound,
    ).toEqual(['schema-narrowed uniqueItems $.f B']);
    expect(
      both(field({ type: 'string' }), field({ type: 'string', nullable: true })).response.inbound,
    ).toEqual(['schema-widened nullable $.f B']);
    expect(both(field({ multipleOf: 2 }), field({ multipleOf: 4 })).request.inbound).toEqual([
      'schema-narrowed multipleOf $.f B',
    ]);
    expect(both(field({ multipleOf: 4 }), field({ multipleOf: 2 })).request.inbound).toEqual([
      'schema-widened multipleOf $.f N',
    ]);
    expect(both(field({ multipleOf: 2 }), field({ multipleOf: 3 })).request.inbound).toEqual([
      'schema-changed multipleOf $.f B',
    ]);
  });

  it('additionalProperties: open ⊃ schema ⊃ closed, and schemas are compared', () => {
    const ap = (value: unknown) => obj({}, value === undefined ? {} : { additionalProperties: value });
    expect(both(ap(false), ap(undefined)).request.outbound).toEqual([
      'schema-widened additionalProperties $ B',
    ]);
    expect(both(ap(undefined), ap(false)).request.inbound).toEqual([
      'schema-narrowed additionalProperties $ B',
    ]);
    expect(both(ap({ type: 'string' }), ap(false)).response.inbound).toEqual([
      'schema-narrowed additionalProperties $ N',
    ]);
    expect(
      both(ap({ type: 'string', maxLength: 5 }), ap({ type: 'string', maxLength: 9 })).response.inbound,
    ).toEqual(['schema-widened maxLength $.* B']);
  });

  it('array items are compared under []', () => {
    const list = (item: Record<string, unknown>) => obj({ l: { type: 'array', items: item } });
    expect(
      both(list({ type: 'string', enum: ['A'] }), list({ type: 'string', enum: ['A', 'B'] })).request
        .outbound,
    ).toEqual(['enum-value-added $.l[] B']);
  });
});

describe('compositions', () => {
  const schemas = { A: obj({ a: {} }), B: obj({ b: {} }), C: obj({ c: {} }) };
  const comp = (keyword: string, refs: string[]) =>
    cardDoc({
      schemas,
      res: { [keyword]: refs.map((r) => ({ $ref: `#/components/schemas/${r}` })) },
      req: { [keyword]: refs.map((r) => ({ $ref: `#/components/schemas/${r}` })) },
    });

  it('a oneOf/anyOf member added widens; removed narrows', () => {
    expect(briefDiff(comp('oneOf', ['A']), comp('oneOf', ['A', 'B']), 'inbound')).toEqual([
      'schema-widened oneOf $<oneOf[1]> N',
      'schema-widened oneOf $<oneOf[1]> B',
    ]);
    expect(briefDiff(comp('anyOf', ['A', 'B']), comp('anyOf', ['B']), 'inbound')).toEqual([
      'schema-narrowed anyOf $<anyOf[0]> B',
      'schema-narrowed anyOf $<anyOf[0]> N',
    ]);
  });

  it('an allOf member added narrows; members matched by $ref are compared in place', () => {
    expect(briefDiff(comp('allOf', ['A']), comp('allOf', ['A', 'C']), 'outbound')).toEqual([
      'schema-narrowed allOf $<allOf[1]> N',
      'schema-narrowed allOf $<allOf[1]> B',
    ]);
    const before = comp('oneOf', ['A', 'B']);
    const after = comp('oneOf', ['B', 'A']);
    expect(briefDiff(before, after, 'inbound')).toEqual([]);
    const changed = structuredClone(after) as { components: { schemas: Record<string, unknown> } };
    changed.components.schemas.B = obj({ b: {}, extra: {} }, { required: ['extra'] });
    expect(briefDiff(before, changed, 'inbound')).toEqual([
      'property-added $<oneOf[0]>.extra B',
      'property-added $<oneOf[0]>.extra N',
    ]);
  });

  it('a discriminator change cannot be compared', () => {
    const d = (propertyName: string) =>
      cardDoc({
        res: { oneOf: [{ $ref: '#/components/schemas/A' }], discriminator: { propertyName } },
        schemas,
      });
    expect(briefDiff(d('kind'), d('type'), 'inbound')).toEqual(['schema-changed discriminator $ B']);
  });
});

describe('$ref handling', () => {
  const tree = (leaf: Record<string, unknown>) =>
    cardDoc({
      req: { $ref: '#/components/schemas/Node' },
      schemas: {
        Node: obj({ name: leaf, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } }),
      },
    });

  it('terminates on a recursive schema and reports the change at the first level', () => {
    expect(briefDiff(tree({ type: 'string' }), tree({ type: 'string', maxLength: 5 }), 'inbound')).toEqual([
      'schema-narrowed maxLength $.name B',
    ]);
  });

  it('survives a $ref chain that loops on itself', () => {
    const loop = (x: string) =>
      cardDoc({
        req: obj({ p: { $ref: '#/components/schemas/L1' }, x: { type: x } }),
        schemas: { L1: { $ref: '#/components/schemas/L2' }, L2: { $ref: '#/components/schemas/L1' } },
      });
    expect(briefDiff(loop('string'), loop('string'), 'inbound')).toEqual([]);
    expect(briefDiff(loop('string'), loop('integer'), 'inbound')).toEqual(['schema-changed type $.x B']);
  });

  it('reports a shared schema at every place that uses it, pointing at the component', () => {
    const shared = (maxLength: number) =>
      cardDoc({
        req: obj({
          home: { $ref: '#/components/schemas/Addr' },
          work: { $ref: '#/components/schemas/Addr' },
        }),
        schemas: { Addr: obj({ line: { type: 'string', maxLength } }) },
      });
    const changes = diffSpecs(shared(40), shared(30), { direction: 'inbound' });
    expect(changes.map((c) => c.location.jsonPath)).toEqual(['$.home.line', '$.work.line']);
    expect(new Set(changes.map((c) => c.pointer))).toEqual(
      new Set(['/components/schemas/Addr/properties/line/maxLength']),
    );
  });

  it('follows a changed $ref target by content, not by name', () => {
    const moved = cardDoc({
      req: { $ref: '#/components/schemas/Req2' },
      schemas: { Req2: obj({ a: { type: 'string' } }) },
    });
    expect(briefDiff(cardDoc(), moved, 'inbound')).toEqual([]);
  });
});
