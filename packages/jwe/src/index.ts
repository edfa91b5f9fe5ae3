export {
  type DecryptionKeyEntry,
  DecryptionKeySet,
  type DecryptionKeySetOptions,
  importDecryptionKeySet,
} from './decryption-key-set.js';
export { JweError, type JweErrorCode, type PlaintextIssue } from './errors.js';
export { type GeneratedKeyPair, generateKeyPair } from './generate.js';
export { type DecryptedJwe, decrypt, encrypt } from './jwe.js';
export {
  type EcPrivateJwk,
  type EcPublicJwk,
  exportPublicJwk,
  type KeyInput,
  type KeyOptions,
} from './jwk.js';
export { loadDecryptionKeySet, loadRecipientKey, parseKeyText } from './key-files.js';
export {
  type CardCredentials,
  cardCredentials,
  decryptIso0Pin,
  encryptIso0Pin,
  type PayloadCodec,
  type PhysicalCardData,
  type PinBlock,
  payloadCodec,
  physicalCardData,
  pinBlockPayload,
} from './payloads.js';
export { buildIso0PinBlock, parseIso0PinBlock } from './pin-block.js';
export { D1_JWE_PROFILE } from './profile.js';
export { importRecipientKey, RecipientKey } from './recipient-key.js';
