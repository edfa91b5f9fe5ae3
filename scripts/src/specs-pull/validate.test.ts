import { describe, expect, it } from 'vitest';
import { SpecsPullError } from './errors.js';
import { inboundSpec, yamlOf } from './fixtures.test-helpers.js';
import { validateSpec } from './validate.js';

const bytes = (text: string) => new TextEncoder().encode(text);

async function failure(input: string | Uint8Array): Promise<SpecsPullError> {
  try {
    await validateSpec(typeof input === 'string' ? bytes(input) : input, 'D1-Public-IN-v9-Cards.yaml');
  } catch (error) {
    if (error instanceof SpecsPullError) return error;
    throw error;
  }
  throw new Error('expected a SpecsPullError');
}

const info = "info: {title: t, version: '1'}\n";

describe('validateSpec', () => {
  it('returns the text and the parsed document of a valid spec, a byte-order mark kept', async () => {
    const text = `\uFEFF${yamlOf(inboundSpec())}`;
    const valid = await validateSpec(bytes(text), 'X.yaml');
    expect(valid.text).toBe(text);
    expect(valid.doc).toEqual(inboundSpec());
  });

  it.each([
    ['an empty body', '  \n', 'NOT_YAML', 'the body is empty'],
    [
      'broken YAML',
      'openapi: 3.0.3\ninfo: {title: t\n  version: [\n',
      'NOT_YAML',
      'not valid YAML (Implicit keys need to be on a single line at line 2',
    ],
    ['a duplicate key', 'openapi: 3.0.3\nopenapi: 3.0.1\n', 'NOT_YAML', 'Map keys must be unique'],
    ['several documents', 'openapi: 3.0.3\n---\nfoo: 1\n', 'NOT_YAML', 'multiple documents'],
    ['a scalar', 'just text\n', 'NOT_OPENAPI', 'not a YAML mapping'],
    ['a list', '- a\n- b\n', 'NOT_OPENAPI', 'not a YAML mapping'],
    ['a mapping without openapi', 'hello: world\n', 'NOT_OPENAPI', "no 'openapi' field"],
    [
      'OpenAPI 3.1',
      `openapi: 3.1.0\n${info}paths: {}\n`,
      'NOT_OPENAPI',
      '"3.1.0"; d1kit handles OpenAPI 3.0.x only',
    ],
    ['a numeric version', `openapi: 3.0\n${info}paths: {}\n`, 'NOT_OPENAPI', "'openapi' is 3"],
    [
      'a missing required field',
      `openapi: 3.0.3\ninfo: {title: t}\npaths: {}\n`,
      'INVALID_OPENAPI',
      '#/info: The field `version` must be present',
    ],
    [
      'a dangling $ref',
      `openapi: 3.0.3\n${info}paths: {'/a': {get: {responses: {'200': {$ref: '#/components/responses/X'}}}}}\n`,
      'INVALID_OPENAPI',
      "Can't resolve $ref",
    ],
    [
      'a duplicate operationId',
      `openapi: 3.0.3\n${info}paths: {'/a': {get: {operationId: x, responses: {default: {description: d}}}, post: {operationId: x, responses: {default: {description: d}}}}}\n`,
      'INVALID_OPENAPI',
      'operationId',
    ],
    [
      'an external $ref',
      `openapi: 3.0.3\n${info}paths: {'/a': {$ref: 'http://127.0.0.1:9/evil.yaml'}}\n`,
      'INVALID_OPENAPI',
      'self-contained; external $ref at /paths/~1a: http://127.0.0.1:9/evil.yaml',
    ],
  ])('refuses %s', async (_what, text, code, message) => {
    const error = await failure(text);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.message.startsWith('D1-Public-IN-v9-Cards.yaml: ')).toBe(true);
  });

  it('refuses bytes that are not UTF-8', async () => {
    expect((await failure(new Uint8Array([0x6f, 0xff, 0xfe]))).code).toBe('NOT_UTF8');
  });

  it('refuses an alias bomb without expanding it', async () => {
    const row = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(`*${of}`).join(', ')}]\n`;
    const text = `a: &a [x, x, x, x, x, x, x, x, x, x]\n${row('b', 'a')}${row('c', 'b')}${row('d', 'c')}${row('e', 'd')}${row('f', 'e')}`;
    expect((await failure(text)).message).toContain('resource exhaustion');
  });

  it('keeps control characters out of its messages', async () => {
    const error = await failure(`openapi: "3.0.3\\u001b[2J"\n${info}paths: {}\n`);
    expect(error.message).not.toContain('\u001b');
    expect(error.message).toContain('\\u001b');
  });
});
