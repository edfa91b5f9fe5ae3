import { describe, expect, it } from 'vitest';
import { diffSpecs } from './diff.js';
import { briefDiff, cardDoc } from './fixtures.test-helpers.js';

const ok = { description: 'ok' };
const extraOp = (method: string, path = '/cards', op: Record<string, unknown> = {}) => ({
  [path]: { [method]: { responses: { default: ok }, ...op } },
});

describe('operations', () => {
  it('an added operation is safe for clients and breaking for servers; removal the other way round', () => {
    const more = cardDoc({ paths: extraOp('get') });
    expect(briefDiff(cardDoc(), more, 'inbound')).toEqual(['operation-added operation N']);
    expect(briefDiff(cardDoc(), more, 'outbound')).toEqual(['operation-added operation B']);
    expect(briefDiff(more, cardDoc(), 'inbound')).toEqual(['operation-removed operation B']);
    expect(briefDiff(more, cardDoc(), 'outbound')).toEqual(['operation-removed operation N']);
  });

  it('treats renamed path template variables as the same operation', () => {
    const renamed = structuredClone(cardDoc()) as { paths: Record<string, unknown> };
    renamed.paths['/cards/{id}'] = renamed.paths['/cards/{cardId}'];
    delete renamed.paths['/cards/{cardId}'];
    const post = (renamed.paths['/cards/{id}'] as { post: { parameters: { name: string }[] } }).post;
    post.parameters[0]!.name = 'id';
    expect(briefDiff(cardDoc(), renamed, 'inbound')).toEqual([]);
  });

  it('pairs a moved operation by operationId and still diffs its contents', () => {
    const moved = structuredClone(
      cardDoc({ req: { type: 'object', properties: { a: { type: 'integer' } } } }),
    ) as {
      paths: Record<string, unknown>;
    };
    moved.paths['/v2/cards/{cardId}'] = moved.paths['/cards/{cardId}'];
    delete moved.paths['/cards/{cardId}'];
    const changes = diffSpecs(cardDoc(), moved, { direction: 'inbound' });
    expect(changes.map((c) => c.kind)).toEqual(['operation-path-changed', 'schema-changed']);
    expect(changes[0]).toMatchObject({
      before: '/cards/{cardId}',
      after: '/v2/cards/{cardId}',
      breaking: true,
    });
  });

  it('labels unnamed operations through operationIdOf and reports operationId changes', () => {
    const unnamed = cardDoc({ paths: extraOp('get', '/things') });
    const more = cardDoc({
      paths: extraOp('get', '/things', { parameters: [{ name: 'q', in: 'query', required: true }] }),
    });
    const [change] = diffSpecs(unnamed, more, {
      direction: 'inbound',
      operationIdOf: (method, path) => (method === 'get' && path === '/things' ? 'listThings' : undefined),
    });
    expect(change?.location).toMatchObject({
      method: 'GET',
      path: '/things',
      operationId: 'listThings',
      part: 'parameter query q',
    });
    const renamed = cardDoc({ operation: { operationId: 'makeCard' } });
    expect(briefDiff(cardDoc(), renamed, 'inbound')).toEqual(['operation-id-changed operation B']);
    const dropped = cardDoc({ operation: { operationId: undefined } });
    expect(briefDiff(dropped, cardDoc(), 'outbound')).toEqual(['operation-id-added operation N']);
    expect(briefDiff(cardDoc(), dropped, 'outbound')).toEqual(['operation-id-removed operation B']);
  });

  it('compares effective security requirements regardless of order', () => {
    const sec = (security: unknown) => cardDoc({ operation: { security } });
    expect(
      briefDiff(sec([{ a: ['x', 'y'] }, { b: [] }]), sec([{ b: [] }, { a: ['y', 'x'] }]), 'inbound'),
    ).toEqual([]);
    expect(briefDiff(sec([{ a: [] }]), sec([{ a: ['admin'] }]), 'inbound')).toEqual([
      'security-changed operation B',
    ]);
  });
});

describe('parameters', () => {
  const withParams = (...extra: unknown[]) =>
    cardDoc({
      parameters: [{ name: 'cardId', in: 'path', required: true, schema: { type: 'string' } }, ...extra],
    });

  it('classifies added parameters by required-ness and, for servers, by location', () => {
    const q = (required: boolean) =>
      withParams({ name: 'q', in: 'query', required, schema: { type: 'string' } });
    const h = withParams({ name: 'X-Trace', in: 'header', schema: { type: 'string' } });
    expect(briefDiff(withParams(), q(true), 'inbound')).toEqual(['parameter-added parameter query q B']);
    expect(briefDiff(withParams(), q(false), 'inbound')).toEqual(['parameter-added parameter query q N']);
    expect(briefDiff(withParams(), q(false), 'outbound')).toEqual(['parameter-added parameter query q B']);
    expect(briefDiff(withParams(), h, 'outbound')).toEqual(['parameter-added parameter header X-Trace N']);
    expect(briefDiff(withParams(), q(true), 'outbound')).toEqual(['parameter-added parameter query q B']);
  });

  it('classifies removal and required-ness changes', () => {
    const q = (required: boolean) =>
      withParams({ name: 'q', in: 'query', required, schema: { type: 'string' } });
    expect(briefDiff(q(false), withParams(), 'outbound')).toEqual(['parameter-removed parameter query q N']);
    expect(briefDiff(q(true), withParams(), 'outbound')).toEqual(['parameter-removed parameter query q B']);
    expect(briefDiff(q(true), withParams(), 'inbound')).toEqual(['parameter-removed parameter query q B']);
    expect(briefDiff(q(false), q(true), 'inbound')).toEqual(['parameter-required-added parameter query q B']);
    expect(briefDiff(q(true), q(false), 'inbound')).toEqual([
      'parameter-required-removed parameter query q N',
    ]);
    expect(briefDiff(q(true), q(false), 'outbound')).toEqual([
      'parameter-required-removed parameter query q B',
    ]);
  });

  it('matches header names case-insensitively, merges path-level parameters, and diffs their schemas', () => {
    const header = (name: string, maxLength: number) => ({
      name,
      in: 'header',
      schema: { type: 'string', maxLength },
    });
    expect(briefDiff(withParams(header('X-Id', 64)), withParams(header('x-id', 64)), 'inbound')).toEqual([]);
    const viaRef = cardDoc({
      parameters: [{ $ref: '#/components/parameters/CardId' }],
      schemas: {},
    }) as { components: Record<string, unknown>; paths: Record<string, Record<string, unknown>> };
    viaRef.components.parameters = {
      CardId: { name: 'cardId', in: 'path', required: true, schema: { type: 'string', maxLength: 48 } },
    };
    const tighter = structuredClone(viaRef);
    (tighter.components.parameters as { CardId: { schema: { maxLength: number } } }).CardId.schema.maxLength =
      32;
    const changes = diffSpecs(viaRef, tighter, { direction: 'inbound' });
    expect(changes.map((c) => [c.kind, c.facet, c.location.part, c.pointer])).toEqual([
      [
        'schema-narrowed',
        'maxLength',
        'parameter path cardId',
        '/components/parameters/CardId/schema/maxLength',
      ],
    ]);
    const pathLevel = structuredClone(viaRef);
    const item = pathLevel.paths['/cards/{cardId}']!;
    item.parameters = [{ name: 'X-Id', in: 'header', schema: { type: 'string' } }];
    expect(briefDiff(viaRef, pathLevel, 'inbound')).toEqual(['parameter-added parameter header X-Id N']);
    (item.post as { parameters: unknown[] }).parameters.push({
      name: 'X-Id',
      in: 'header',
      required: true,
      schema: { type: 'string' },
    });
    expect(briefDiff(viaRef, pathLevel, 'inbound')).toEqual(['parameter-added parameter header X-Id B']);
  });

  it('reports a serialisation style change', () => {
    const list = (explode: boolean) =>
      withParams({ name: 'ids', in: 'query', explode, schema: { type: 'array', items: { type: 'string' } } });
    expect(briefDiff(list(true), list(false), 'inbound')).toEqual([
      'parameter-style-changed parameter query ids B',
    ]);
  });
});

describe('request bodies and media types', () => {
  it('classifies body presence and required-ness', () => {
    const noBody = cardDoc({ operation: { requestBody: undefined } });
    const optional = cardDoc({
      operation: { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } } },
    });
    expect(briefDiff(noBody, cardDoc(), 'inbound')).toEqual(['request-body-added request body B']);
    expect(briefDiff(noBody, optional, 'inbound')).toEqual(['request-body-added request body N']);
    expect(briefDiff(noBody, optional, 'outbound')).toEqual(['request-body-added request body B']);
    expect(briefDiff(cardDoc(), noBody, 'outbound')).toEqual(['request-body-removed request body B']);
    expect(briefDiff(optional, noBody, 'outbound')).toEqual(['request-body-removed request body N']);
    const schema = { type: 'object' };
    const req = (required: boolean) =>
      cardDoc({ operation: { requestBody: { required, content: { 'application/json': { schema } } } } });
    expect(briefDiff(req(true), req(false), 'inbound')).toEqual([
      'request-body-required-removed request body N',
    ]);
    expect(briefDiff(req(true), req(false), 'outbound')).toEqual([
      'request-body-required-removed request body B',
    ]);
  });

  it('classifies media types per flow and matches them case-insensitively', () => {
    const body = (content: Record<string, unknown>) =>
      cardDoc({ operation: { requestBody: { required: true, content } } });
    const json = { 'application/json': { schema: { type: 'object' } } };
    const both = { ...json, 'application/xml': { schema: { type: 'object' } } };
    expect(briefDiff(body(json), body(both), 'inbound')).toEqual([
      'media-type-added request body application/xml N',
    ]);
    expect(briefDiff(body(json), body(both), 'outbound')).toEqual([
      'media-type-added request body application/xml B',
    ]);
    expect(briefDiff(body(both), body(json), 'inbound')).toEqual([
      'media-type-removed request body application/xml B',
    ]);
    expect(briefDiff(body(json), body({ 'Application/JSON': json['application/json'] }), 'inbound')).toEqual(
      [],
    );
    expect(briefDiff(body({ 'application/json': {} }), body(json), 'inbound')).toEqual([
      'schema-narrowed schema $ B',
    ]);
  });
});

describe('responses', () => {
  const res = (responses: Record<string, unknown>) => cardDoc({ responses });

  it('a new status code is safe for clients (rule 9.3); a removed success code is not', () => {
    expect(briefDiff(res({ '200': ok }), res({ '200': ok, '409': ok }), 'inbound')).toEqual([
      'response-added response 409 N',
    ]);
    expect(briefDiff(res({ '200': ok, '409': ok }), res({ '200': ok }), 'inbound')).toEqual([
      'response-removed response 409 N',
    ]);
    expect(briefDiff(res({ '200': ok, '201': ok }), res({ '201': ok }), 'inbound')).toEqual([
      'response-removed response 200 B',
    ]);
    expect(briefDiff(res({ '200': ok, '409': ok }), res({ '200': ok }), 'outbound')).toEqual([
      'response-removed response 409 B',
    ]);
    expect(briefDiff(res({ '200': ok }), res({ '200': ok, '409': ok }), 'outbound')).toEqual([
      'response-added response 409 N',
    ]);
  });

  it('classifies response headers: a new required header breaks a server', () => {
    const h = (headers: Record<string, unknown>) => res({ '200': { description: 'ok', headers } });
    const loc = { Location: { required: true, schema: { type: 'string' } } };
    expect(briefDiff(h({}), h(loc), 'outbound')).toEqual(['header-added response 200 header Location B']);
    expect(briefDiff(h({}), h(loc), 'inbound')).toEqual(['header-added response 200 header Location N']);
    expect(briefDiff(h(loc), h({}), 'inbound')).toEqual(['header-removed response 200 header Location B']);
    const optional = { location: { schema: { type: 'string' } } };
    expect(briefDiff(h(optional), h(loc), 'outbound')).toEqual([
      'header-required-added response 200 header location B',
    ]);
    expect(
      briefDiff(
        h(loc),
        h({ Location: { required: true, schema: { type: 'string', maxLength: 9 } } }),
        'inbound',
      ),
    ).toEqual(['schema-narrowed maxLength $ N']);
    expect(briefDiff(h({ 'Content-Type': { schema: { type: 'string' } } }), h({}), 'inbound')).toEqual([]);
  });

  it('resolves responses through components', () => {
    const viaRef = (maxLength: number) => {
      const d = res({ '200': { $ref: '#/components/responses/Ok' } }) as {
        components: Record<string, unknown>;
      };
      d.components.responses = {
        Ok: { description: 'ok', content: { 'application/json': { schema: { type: 'string', maxLength } } } },
      };
      return d;
    };
    const [change] = diffSpecs(viaRef(10), viaRef(20), { direction: 'inbound' });
    expect(change).toMatchObject({
      kind: 'schema-widened',
      breaking: true,
      pointer: '/components/responses/Ok/content/application~1json/schema/maxLength',
      location: { part: 'response 200 application/json', jsonPath: '$', flow: 'response' },
    });
  });
});
