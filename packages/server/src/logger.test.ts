import { describe, expect, it } from 'vitest';
import { bindLogger, createJsonLogger, describeError, maskPans } from './logger.js';

describe('maskPans', () => {
  it('masks 12-19 digit runs, grouped or not, as first6…last4', () => {
    expect(maskPans('card 4111111111111111 failed')).toBe('card 411111…1111 failed');
    expect(maskPans('4111 1111 1111 1111')).toBe('411111…1111');
    expect(maskPans('4111-1111-1111-1111')).toBe('411111…1111');
    expect(maskPans('order 12345 of 2025')).toBe('order 12345 of 2025');
  });
});

describe('describeError', () => {
  it('keeps class and code, masks the message and the stack', () => {
    const error = Object.assign(new Error('PAN 5500000000000004 declined'), { code: 'E_DECLINED' });
    const fields = describeError(error);
    expect(fields).toMatchObject({
      errorName: 'Error',
      errorCode: 'E_DECLINED',
      errorMessage: 'PAN 550000…0004 declined',
    });
    expect(JSON.stringify(fields)).not.toContain('5500000000000004');
    expect(describeError('text')).toEqual({ errorType: 'string' });
  });
});

describe('loggers', () => {
  it('writes JSON lines at or above the level', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.info({ a: 1 }, 'dropped');
    logger.error({ b: 2 }, 'kept');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', msg: 'kept', b: 2 });
  });

  it('binds fields and never lets a throwing logger break the caller', () => {
    const seen: unknown[] = [];
    const bound = bindLogger(
      {
        info: (fields) => seen.push(fields),
        warn: () => {
          throw new Error('disk full');
        },
        error: () => {},
      },
      { correlationId: 'c-1' },
    );
    bound.info({ x: 1 }, 'm');
    expect(() => bound.warn({}, 'm')).not.toThrow();
    expect(seen).toEqual([{ correlationId: 'c-1', x: 1 }]);
  });
});
