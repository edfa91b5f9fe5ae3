// Symbols that let the JWE functions reach the imported CryptoKeys without exposing them in the public API.
export const takeEncryptionKey = Symbol('d1kit.jwe.takeEncryptionKey');
export const findDecryptionKey = Symbol('d1kit.jwe.findDecryptionKey');
