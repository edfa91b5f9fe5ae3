import { JweError } from './errors.js';

const PIN = /^[0-9]{4,12}$/;
const PAN = /^[0-9]{10,19}$/;
const PIN_BLOCK = /^[0-9A-Fa-f]{16}$/;

/** ISO 9564-1 PAN field: 0000 + the 12 rightmost PAN digits excluding the check digit (left-padded with 0). */
function panField(pan: string): Buffer {
  if (!PAN.test(pan)) throw new JweError('PAN_INVALID', 'PAN must be 10 to 19 digits');
  return Buffer.from(`0000${pan.slice(0, -1).slice(-12).padStart(12, '0')}`, 'hex');
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Builds an ISO 9564 format 0 PIN block (16 uppercase hex characters) from a 4–12 digit PIN and the PAN. */
export function buildIso0PinBlock(pin: string, pan: string): string {
  if (typeof pin !== 'string' || !PIN.test(pin))
    throw new JweError('PIN_INVALID', 'PIN must be 4 to 12 digits');
  const pinField = Buffer.from(`0${pin.length.toString(16)}${pin}`.padEnd(16, 'F'), 'hex');
  const pans = panField(String(pan));
  const block = xor(pinField, pans);
  const hex = block.toString('hex').toUpperCase();
  pinField.fill(0);
  block.fill(0);
  return hex;
}

/**
 * Recovers the PIN from an ISO 9564 format 0 PIN block for this PAN, checking the whole structure
 * (control nibble 0, length 4–12, decimal PIN digits, F filler). The PIN goes only to the caller:
 * a refusal says that the block is invalid, never what it contained.
 */
export function parseIso0PinBlock(pinBlock: string, pan: string): string {
  if (typeof pinBlock !== 'string' || !PIN_BLOCK.test(pinBlock)) {
    throw new JweError('PIN_BLOCK_INVALID', 'PIN block must be 16 hexadecimal characters');
  }
  const pans = panField(String(pan));
  const clear = xor(Buffer.from(pinBlock, 'hex'), pans);
  const nibbles = clear.toString('hex').toUpperCase();
  clear.fill(0);
  const length = Number.parseInt(nibbles[1]!, 16);
  const valid =
    nibbles[0] === '0' &&
    length >= 4 &&
    length <= 12 &&
    /^[0-9]+$/.test(nibbles.slice(2, 2 + length)) &&
    /^F*$/.test(nibbles.slice(2 + length));
  if (!valid) throw new JweError('PIN_BLOCK_INVALID', 'not an ISO 9564 format 0 PIN block for this PAN');
  return nibbles.slice(2, 2 + length);
}
