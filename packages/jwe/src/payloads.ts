import {
  type CardCredentials,
  type PhysicalCardData,
  type PinBlock,
  type PlaintextSchemaName,
  type PlaintextTypes,
  plaintextSchemas,
} from '@d1kit/generated';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DecryptionKeySet } from './decryption-key-set.js';
import { JweError, type PlaintextIssue } from './errors.js';
import { decrypt, encrypt } from './jwe.js';
import { buildIso0PinBlock, parseIso0PinBlock } from './pin-block.js';
import type { RecipientKey } from './recipient-key.js';

export type { CardCredentials, PhysicalCardData, PinBlock };

/** A typed view of one plaintext schema from the specs: validate, encrypt, decrypt. */
export interface PayloadCodec<T> {
  readonly schemaName: PlaintextSchemaName;
  /** Returns the value typed when it matches the schema; otherwise PLAINTEXT_INVALID with JSON pointers only. */
  validate(value: unknown): T;
  /** Validates, then encrypts the JSON form to the recipient. */
  encrypt(value: T, recipient: RecipientKey): Promise<string>;
  /** Decrypts, parses and validates. */
  decrypt(jwe: string, keys: DecryptionKeySet): Promise<T>;
}

// One ajv instance; each schema is compiled the first time it is used, then reused for every call.
const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<PlaintextSchemaName, ValidateFunction>();

function validatorFor(name: PlaintextSchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile(plaintextSchemas[name]);
    compiled.set(name, validate);
  }
  return validate;
}

const escapePointer = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/** Where and which rule, from ajv's error list; values and ajv's own messages (which can quote them) are dropped. */
function toIssues(errors: readonly ErrorObject[] | null | undefined): PlaintextIssue[] {
  return (errors ?? []).map((error) => {
    const missing =
      error.keyword === 'required'
        ? (error.params as { missingProperty?: unknown }).missingProperty
        : undefined;
    const pointer =
      typeof missing === 'string' ? `${error.instancePath}/${escapePointer(missing)}` : error.instancePath;
    return { pointer, rule: error.keyword };
  });
}

function check<T>(name: PlaintextSchemaName, value: unknown): T {
  const validate = validatorFor(name);
  if (validate(value)) return value as T;
  const issues = toIssues(validate.errors);
  const summary = issues.map((issue) => `${issue.pointer || '/'} (${issue.rule})`).join(', ');
  throw new JweError('PLAINTEXT_INVALID', `plaintext does not match ${name}: ${summary}`, issues);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch {
    // JSON.parse messages quote the input; say only that it was not JSON.
    throw new JweError('PLAINTEXT_NOT_JSON', 'decrypted plaintext is not UTF-8 JSON');
  }
}

export function payloadCodec<N extends PlaintextSchemaName>(name: N): PayloadCodec<PlaintextTypes[N]> {
  type T = PlaintextTypes[N];
  return {
    schemaName: name,
    validate: (value) => check<T>(name, value),
    encrypt: async (value, recipient) => encrypt(JSON.stringify(check<T>(name, value)), recipient),
    decrypt: async (jwe, keys) => check<T>(name, parseJson((await decrypt(jwe, keys)).plaintext)),
  };
}

/** `{pan, exp (MMYY), name?, cvv?}`: Register/Renew/Replace card, Get Card Credentials. */
export const cardCredentials = payloadCodec('CardCredentials');
/** Card data of a physical card order; note `exp` and `effectiveDate` are YYMM here. */
export const physicalCardData = payloadCodec('PhysicalCardData');
/** `{pinBlock}`: the PIN block as 16 hex characters (any format D1 and the issuer agreed on). */
export const pinBlockPayload = payloadCodec('PinBlock');

/** Get PIN (issuer → D1): builds the ISO 9564 format 0 block from PIN and PAN and encrypts `{pinBlock}`. */
export async function encryptIso0Pin(
  input: { pin: string; pan: string },
  recipient: RecipientKey,
): Promise<string> {
  return pinBlockPayload.encrypt({ pinBlock: buildIso0PinBlock(input.pin, input.pan) }, recipient);
}

/** Set PIN (D1 → issuer) with an ISO 0 block: decrypts `{pinBlock}` and recovers the PIN for this PAN. */
export async function decryptIso0Pin(jwe: string, keys: DecryptionKeySet, pan: string): Promise<string> {
  const { pinBlock } = await pinBlockPayload.decrypt(jwe, keys);
  return parseIso0PinBlock(pinBlock, pan);
}
