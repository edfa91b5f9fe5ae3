import { loadEffectiveSpec, operations } from '@d1kit/generated';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORRELATION_ID_PATTERN } from '../correlation.js';
import { type CompiledSpecs, compileSpecs, OUTBOUND_SPECS } from './engine.js';

let compiled: CompiledSpecs;
beforeAll(async () => {
  compiled = await compileSpecs();
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' };

describe('compileSpecs', () => {
  it('compiles every outbound operation, one request validator per accepted media type', () => {
    const outbound = Object.values(operations).filter((op) => op.direction === 'outbound');
    expect([...compiled.operations.keys()].sort()).toEqual(outbound.map((op) => op.operationId).sort());
    expect(compiled.requestValidatorCount).toBe(outbound.length);
    expect(compiled.operations.get('issueOutboundToken')?.expressRoute).toBe('/authz/d1/v1/oauth2/token');
    expect(compiled.operations.get('getCardPin')?.expressRoute).toBe(
      '/cms/api/v1/issuers/:issuerId/cards/:cardId/pin',
    );
  });

  it('refuses specs that are not outbound', async () => {
    await expect(compileSpecs(['D1-Public-IN-v2-Card' as never])).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('accepts exactly what the x-correlation-id pattern of every outbound spec accepts', () => {
    const probes = [
      ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
      'é',
      '',
      'a'.repeat(64),
      'a'.repeat(65),
      'use-case 42.a_b',
    ];
    for (const name of OUTBOUND_SPECS) {
      const doc = loadEffectiveSpec(name) as {
        components: { parameters: Record<string, { schema: { pattern: string } }> };
      };
      const declared = new RegExp(doc.components.parameters['x-correlation-id-output']!.schema.pattern);
      for (const probe of probes)
        expect(CORRELATION_ID_PATTERN.test(probe), `${name} ${probe}`).toBe(declared.test(probe));
    }
  });
});

describe('response checks', () => {
  const token = () => compiled.operations.get('issueOutboundToken')!.checkResponse;
  const activate = () => compiled.operations.get('ActivateCard')!.checkResponse;
  const tokenOk = { access_token: 'abc', token_type: 'Bearer', expires_in: '900' };
  const oauthHeaders = { ...jsonHeaders, 'cache-control': 'no-store', pragma: 'no-cache' };

  it('passes what the spec declares', () => {
    expect(token()({ status: 200, headers: oauthHeaders, body: json(tokenOk) })).toBeUndefined();
    expect(
      token()({ status: 401, headers: jsonHeaders, body: json({ error: 'invalid_client' }) }),
    ).toBeUndefined();
    expect(
      token()({ status: 500, headers: jsonHeaders, body: json({ error: 'server_error' }) }),
    ).toBeUndefined();
    expect(activate()({ status: 204, headers: {}, body: Buffer.alloc(0) })).toBeUndefined();
  });

  it.each([
    ['a missing required field', 200, oauthHeaders, { token_type: 'Bearer' }, '/body/access_token'],
    ['a wrong enum', 200, oauthHeaders, { ...tokenOk, token_type: 'MAC' }, '/body/token_type'],
    ['a string that must be digits', 200, oauthHeaders, { ...tokenOk, expires_in: 900 }, '/body/expires_in'],
    [
      'a declared header with the wrong value',
      200,
      { ...oauthHeaders, 'cache-control': 'public' },
      tokenOk,
      '/headers/cache-control',
    ],
    ['an RFC 6749 error code the spec does not list', 400, jsonHeaders, { error: 'teapot' }, '/body/error'],
    ['an undeclared success status', 201, jsonHeaders, tokenOk, '/status'],
    ['a redirect', 302, jsonHeaders, tokenOk, '/status'],
  ])('catches %s', (_label, status, headers, body, pointer) => {
    expect(token()({ status, headers, body: json(body) })?.pointer).toBe(pointer);
  });

  it('catches body and media-type drift outside JSON', () => {
    expect(activate()({ status: 204, headers: {}, body: Buffer.from('x') })?.pointer).toBe('/body');
    expect(
      activate()({ status: 404, headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>') })
        ?.pointer,
    ).toBe('/headers/content-type');
    expect(activate()({ status: 404, headers: jsonHeaders, body: Buffer.alloc(0) })?.pointer).toBe('/body');
    expect(activate()({ status: 404, headers: jsonHeaders, body: Buffer.from('{not json') })?.rule).toMatch(
      /not UTF-8 JSON/,
    );
    expect(
      activate()({ status: 404, headers: jsonHeaders, body: Buffer.from([0x7b, 0xff, 0x7d]) })?.pointer,
    ).toBe('/body');
  });
});
