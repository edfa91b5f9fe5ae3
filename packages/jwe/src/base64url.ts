const ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url without padding, strictly: only the URL-safe alphabet and only the canonical
 * encoding (unused trailing bits zero). Lenient decoders map several strings to the same bytes, which
 * would let a changed character in the IV, ciphertext or tag go unnoticed; here every change is refused.
 * Returns undefined when the input is not canonical base64url.
 */
export function decodeBase64urlStrict(input: string): Buffer | undefined {
  if (input.length % 4 === 1 || !ALPHABET.test(input)) return undefined;
  const bytes = Buffer.from(input, 'base64url');
  return bytes.toString('base64url') === input ? bytes : undefined;
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
