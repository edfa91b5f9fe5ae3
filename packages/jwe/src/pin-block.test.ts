import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JweError } from './errors.js';
import { buildIso0PinBlock, parseIso0PinBlock } from './pin-block.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JweError);
    return (error as JweError).code;
  }
  throw new Error('accepted');
}

describe('ISO 9564 format 0', () => {
  it('matches worked examples', () => {
    // PIN field 041234FFFFFFFFFF XOR PAN field 0000987654321098 (12 digits left of the check digit).
    expect(buildIso0PinBlock('1234', '43219876543210987')).toBe('0412AC89ABCDEF67');
    expect(buildIso0PinBlock('1234', '4111111111111111')).toBe('041225EEEEEEEEEE');
    expect(parseIso0PinBlock('0412ac89abcdef67', '43219876543210987')).toBe('1234');
  });

  it('left-pads PANs with fewer than 12 digits before the check digit', () => {
    // 10-digit PAN: 9 digits without the check digit, padded to 000123456789.
    expect(buildIso0PinBlock('1234', '1234567890')).toBe(
      (BigInt('0x041234FFFFFFFFFF') ^ BigInt('0x0000000123456789'))
        .toString(16)
        .toUpperCase()
        .padStart(16, '0'),
    );
  });

  it('round-trips every PIN of 4 to 12 digits with any PAN', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{4,12}$/), fc.stringMatching(/^[0-9]{10,19}$/), (pin, pan) => {
        const block = buildIso0PinBlock(pin, pan);
        expect(block).toMatch(/^[0-9A-F]{16}$/);
        expect(parseIso0PinBlock(block, pan)).toBe(pin);
      }),
    );
  });

  it('refuses bad PINs and PANs without echoing them', () => {
    for (const pin of ['123', '1234567890123', '12a4', '', ' 1234', 1234]) {
      const error = code(() => buildIso0PinBlock(pin as string, '4111111111111111'));
      expect(error).toBe('PIN_INVALID');
    }
    for (const pan of ['123456789', '12345678901234567890', '4111-1111-1111-1111', '']) {
      expect(code(() => buildIso0PinBlock('1234', pan))).toBe('PAN_INVALID');
      expect(code(() => parseIso0PinBlock('041225EEEEEEEEEE', pan))).toBe('PAN_INVALID');
    }
  });

  it('refuses blocks that are not format 0 for this PAN', () => {
    const pan = '4111111111111111';
    const panField = BigInt('0x0000111111111111');
    const encode = (clear: string) => (BigInt(`0x${clear}`) ^ panField).toString(16).padStart(16, '0');
    const bad = [
      '141234FFFFFFFFFF', // format 1 control nibble
      '031234FFFFFFFFFF', // length 3
      '0D1234FFFFFFFFFF', // length 13
      '04123AFFFFFFFFFF', // non-decimal PIN digit
      '041234FFFFFFFFFE', // filler not F
    ];
    for (const clear of bad)
      expect(code(() => parseIso0PinBlock(encode(clear), pan))).toBe('PIN_BLOCK_INVALID');
    expect(parseIso0PinBlock(encode('041234FFFFFFFFFF'), pan)).toBe('1234');
    // The same block under another PAN decodes to garbage and is refused.
    expect(code(() => parseIso0PinBlock(buildIso0PinBlock('1234', pan), '5500000000000004'))).toBe(
      'PIN_BLOCK_INVALID',
    );
    for (const block of ['', '041225EEEEEEEEE', '041225EEEEEEEEEEE', '041225EEEEEEEEEG', 42]) {
      expect(code(() => parseIso0PinBlock(block as string, pan))).toBe('PIN_BLOCK_INVALID');
    }
  });

  it('never puts the PIN into an error message', () => {
    const pan = '4111111111111111';
    const block = buildIso0PinBlock('987654', pan);
    try {
      parseIso0PinBlock(block, '4000000000000002');
    } catch (error) {
      expect((error as Error).message).not.toMatch(/987654|4000000000000002/);
    }
  });
});
