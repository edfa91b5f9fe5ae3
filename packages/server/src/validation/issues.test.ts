import { describe, expect, it } from 'vitest';
import { d1CodeFor, issueFromEov, safePointer } from './issues.js';

describe('safePointer', () => {
  it('keeps schema-like segments and redacts anything else', () => {
    expect(safePointer('/body/operations/0/cardId')).toBe('/body/operations/0/cardId');
    expect(safePointer('/body/4111111111111111')).toBe('/body/~redacted');
    expect(safePointer('/body/<script>/x')).toBe('/body/~redacted/x');
    expect(safePointer('/query/a b')).toBe('/query/~redacted');
    expect(safePointer('')).toBe('/');
  });
});

describe('issueFromEov', () => {
  it('relocates EOV request parts to D1 terms and keeps the keyword', () => {
    const issue = issueFromEov(
      {
        status: 400,
        errors: [
          {
            path: '/params/cardId',
            message: 'must match pattern "^x$"',
            errorCode: 'pattern.openapi.validation',
          },
        ],
      },
      'request',
    );
    expect(issue).toEqual({ pointer: '/path/cardId', rule: 'must match pattern "^x$"', keyword: 'pattern' });
    expect(d1CodeFor(issue)).toBe('FIELD_INVALID_FORMAT');
  });

  it('redacts quoted names and long digit runs in the rule text', () => {
    const issue = issueFromEov(
      { status: 400, path: '/query/4111111111111111', message: "Unknown query parameter '4111111111111111'" },
      'request',
    );
    expect(issue.pointer).toBe('/query/~redacted');
    expect(issue.rule).toBe("Unknown query parameter '~redacted'");
    expect(
      issueFromEov({ errors: [{ path: '/response/x', message: 'must be string' }] }, 'response').pointer,
    ).toBe('/body/x');
  });

  it('maps keywords to D1 error codes', () => {
    expect(d1CodeFor({ pointer: '/', rule: '', keyword: 'required' })).toBe('MISSING_FIELD');
    expect(d1CodeFor({ pointer: '/', rule: '', keyword: 'maxLength' })).toBe('FIELD_INVALID_FORMAT');
    expect(d1CodeFor({ pointer: '/', rule: '', keyword: 'minItems' })).toBe('INVALID_FIELD');
    expect(d1CodeFor({ pointer: '/', rule: '' })).toBe('INVALID_FIELD');
  });
});
