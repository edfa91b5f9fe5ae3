import { decodeBase64urlStrict } from '../base64url.js';
import { type DecryptionKeySet, importDecryptionKeySet } from '../decryption-key-set.js';
import { type GeneratedKeyPair, generateKeyPair } from '../generate.js';
import { importRecipientKey, type RecipientKey } from '../recipient-key.js';

export interface TestParty {
  readonly pair: GeneratedKeyPair;
  readonly recipient: RecipientKey;
  readonly keys: DecryptionKeySet;
}

/** A key pair with both sides imported: the peer encrypts to `recipient`, we decrypt with `keys`. */
export async function createParty(kid?: string): Promise<TestParty> {
  const pair = await generateKeyPair(kid === undefined ? {} : { kid });
  const recipient = await importRecipientKey(pair.publicJwk);
  const keys = await importDecryptionKeySet([pair.privateJwk]);
  return { pair, recipient, keys };
}

export function decodeHeader(compact: string): Record<string, unknown> {
  const bytes = decodeBase64urlStrict(compact.split('.')[0]!);
  return JSON.parse(bytes!.toString('utf8')) as Record<string, unknown>;
}

/** Replaces the protected header (re-encoded) and keeps the other four parts. */
export function withHeader(compact: string, header: unknown): string {
  const parts = compact.split('.');
  parts[0] = Buffer.from(JSON.stringify(header)).toString('base64url');
  return parts.join('.');
}

export const CARD = { pan: '4111111111111111', exp: '0629', name: 'A N Other', cvv: '123' };
