import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createD1CommonNameFormat,
  DEFAULT_D1_COMMON_NAME_TEMPLATE,
  formatD1CommonName,
  parseD1CommonName,
} from './d1-common-name.js';
import { MtlsError } from './errors.js';

const issuerIdArb = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'),
  minLength: 10,
  maxLength: 10,
});
const environmentArb = fc.constantFrom('PPR' as const, 'PRD' as const);

describe('D1 common names', () => {
  it('uses the documented default template', () => {
    expect(DEFAULT_D1_COMMON_NAME_TEMPLATE).toBe('D1-{issuerId}-{env}');
    expect(formatD1CommonName({ issuerId: 'ABCDEFGHIJ', environment: 'PRD' })).toBe('D1-ABCDEFGHIJ-PRD');
  });

  it('parses what it formats, for any issuerId and environment, in several templates', () => {
    const formats = [
      'D1-{issuerId}-{env}',
      'TLSMA-RSA/{issuerId}-{env}',
      '{env}.{issuerId}',
      '{issuerId}{env}',
    ].map((template) => createD1CommonNameFormat(template));
    fc.assert(
      fc.property(
        issuerIdArb,
        environmentArb,
        fc.constantFrom(...formats),
        (issuerId, environment, format) => {
          expect(format.parse(format.format({ issuerId, environment }))).toEqual({ issuerId, environment });
        },
      ),
    );
  });

  it('rejects near misses instead of guessing', () => {
    for (const cn of [
      'D1-ABCDEFGHI-PPR',
      'D1-ABCDEFGHIJK-PPR',
      'D1-ABCDEFGHIJ-PRX',
      'D1-ABCDEFGHIJ-ppr',
      'd1-ABCDEFGHIJ-PPR',
      'D1-ABCDEFGHIJ-PPR ',
      'xD1-ABCDEFGHIJ-PPR',
      'D1-ABCDE.GHIJ-PPR',
      '',
    ]) {
      expect(parseD1CommonName(cn), cn).toBeUndefined();
    }
    expect(parseD1CommonName(42 as unknown as string)).toBeUndefined();
  });

  it('treats template punctuation literally', () => {
    const format = createD1CommonNameFormat('a.{issuerId}.{env}');
    expect(format.parse('a.ABCDEFGHIJ.PPR')).toEqual({ issuerId: 'ABCDEFGHIJ', environment: 'PPR' });
    expect(format.parse('aXABCDEFGHIJ.PPR')).toBeUndefined();
  });

  it('refuses bad templates and bad values with typed errors', () => {
    for (const template of [
      '{issuerId}',
      '{env}',
      '{issuerId}{issuerId}{env}',
      '{issuerId}-{env}-{other}',
      'CN={issuerId}{env}',
      'a{b{issuerId}{env}',
    ]) {
      expect(() => createD1CommonNameFormat(template), template).toThrowError(
        expect.objectContaining({ code: 'MTLS_INVALID_OPTIONS' }),
      );
    }
    expect(() => formatD1CommonName({ issuerId: 'short', environment: 'PPR' })).toThrow(MtlsError);
    expect(() => formatD1CommonName({ issuerId: 'ABCDEFGHIJ', environment: 'DEV' as 'PPR' })).toThrowError(
      expect.objectContaining({ code: 'MTLS_INVALID_COMMON_NAME' }),
    );
    const long = createD1CommonNameFormat(`${'x'.repeat(52)}{issuerId}{env}`);
    expect(() => long.format({ issuerId: 'ABCDEFGHIJ', environment: 'PPR' })).toThrowError(/longer than 64/);
  });
});
