// NIST P-256 (secp256r1) domain parameters, FIPS 186-4 D.1.2.3: y^2 = x^3 - 3x + b over GF(p).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

const COORDINATE_BYTES = 32;

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}

/**
 * True when (x, y) is a point of P-256: both coordinates 32 bytes, reduced (< p) and satisfying the
 * curve equation. P-256 has cofactor 1, so every such point is in the prime-order group; this is the
 * whole check the invalid-curve attack needs. It is cheap (a few bigint products), so a forged `epk`
 * is refused before any key agreement runs.
 */
export function isP256Point(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteLength !== COORDINATE_BYTES || y.byteLength !== COORDINATE_BYTES) return false;
  const bx = toBigInt(x);
  const by = toBigInt(y);
  if (bx >= P || by >= P) return false;
  const left = (by * by) % P;
  const right = (((bx * bx) % P) * bx - 3n * bx + B) % P;
  return left === (right + P) % P;
}
