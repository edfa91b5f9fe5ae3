import type { JweFieldMeta } from '@d1kit/generated';
import { plaintextSchemas } from '@d1kit/generated';
import {
  type DecryptionKeySet,
  JweError,
  type PayloadCodec,
  payloadCodec,
  type RecipientKey,
} from '@d1kit/jwe';
import { ServerError } from './errors.js';
import { type FieldIssue, safePointer } from './validation/issues.js';

/** The issuer's private keys (for what D1 encrypts to it) and D1's public key (for what it returns). */
export interface JweKeys {
  /** Decrypts request fields, e.g. the PIN block of Set Card PIN. */
  readonly decryption?: DecryptionKeySet;
  /** D1's public key: Get Card PIN and Get Card Credentials responses are encrypted to it. */
  readonly d1?: RecipientKey;
}

/** A JWE field that cannot be used, with the pointer of the field and, for plaintext, of the rule. */
export class JweFieldError extends Error {
  override readonly name = 'JweFieldError';
  constructor(readonly issue: FieldIssue) {
    super(`${issue.pointer}: ${issue.rule}`);
  }
}

type PlaintextName = keyof typeof plaintextSchemas;

function codecFor(field: JweFieldMeta, operationId: string): PayloadCodec<unknown> {
  if (!Object.hasOwn(plaintextSchemas, field.schema)) {
    throw new ServerError('CONFIG_INVALID', `${operationId}: unknown plaintext schema ${field.schema}`);
  }
  const codec = payloadCodec(field.schema as PlaintextName) as PayloadCodec<unknown>;
  try {
    codec.validate(undefined); // compiles the schema now rather than on the first request
  } catch {
    // undefined is never a valid plaintext; only the compilation was wanted.
  }
  return codec;
}

const decodeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** Walks `pointer` (with `*` for each array element) and replaces every value found, copying on the way. */
async function replaceAt(
  value: unknown,
  tokens: readonly string[],
  at: string,
  replace: (found: unknown, pointer: string) => Promise<unknown>,
): Promise<unknown> {
  if (tokens.length === 0) return replace(value, at);
  const [head, ...rest] = tokens as [string, ...string[]];
  if (head === '*') {
    if (!Array.isArray(value)) return value;
    return Promise.all(value.map((item, index) => replaceAt(item, rest, `${at}/${index}`, replace)));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const key = decodeToken(head);
  if (!Object.hasOwn(value, key)) return value;
  const child = await replaceAt((value as Record<string, unknown>)[key], rest, `${at}/${head}`, replace);
  return { ...(value as Record<string, unknown>), [key]: child };
}

function tokensOf(pointer: string): string[] {
  return pointer.split('/').slice(1);
}

/** The JWE work of one operation, prepared at start-up from the generated metadata. */
export interface JweFieldPlan {
  readonly hasRequestFields: boolean;
  /** Decrypts and validates request fields; throws JweFieldError (a 400) when one cannot be used. */
  decryptRequest(body: unknown): Promise<unknown>;
  /** Validates and encrypts the response fields of `status`; throws JweFieldError (a 500: our defect). */
  encryptResponse(status: number, body: unknown): Promise<unknown>;
  /** Whether responses with this status carry encrypted fields. */
  encryptsResponse(status: number): boolean;
}

export function planJweFields(
  operationId: string,
  fields: readonly JweFieldMeta[],
  keys: JweKeys,
): JweFieldPlan {
  const request = fields.filter((field) => field.in === 'request');
  const response = fields.filter((field) => field.in === 'response');
  if (request.length > 0 && !keys.decryption) {
    throw new ServerError(
      'CONFIG_INVALID',
      `${operationId} needs keys.decryption (the issuer's private keys)`,
    );
  }
  if (response.length > 0 && !keys.d1) {
    throw new ServerError('CONFIG_INVALID', `${operationId} needs keys.d1 (D1's public encryption key)`);
  }
  const codecs = new Map(fields.map((field) => [field, codecFor(field, operationId)] as const));

  const encryptedStatuses = new Set(response.map((field) => field.status));
  return {
    hasRequestFields: request.length > 0,
    encryptsResponse: (status) => encryptedStatuses.has(String(status)),
    async decryptRequest(body) {
      let current = body;
      for (const field of request) {
        const codec = codecs.get(field)!;
        current = await replaceAt(current, tokensOf(field.pointer), '/body', async (found, pointer) => {
          if (typeof found !== 'string') return found; // EOV has checked types and presence already
          try {
            return await codec.decrypt(found, keys.decryption!);
          } catch (error) {
            throw new JweFieldError(describeFailure(error, pointer));
          }
        });
      }
      return current;
    },
    async encryptResponse(status, body) {
      let current = body;
      for (const field of response) {
        if (field.status !== String(status)) continue;
        const codec = codecs.get(field)!;
        current = await replaceAt(current, tokensOf(field.pointer), '/body', async (found, pointer) => {
          try {
            return await codec.encrypt(found, keys.d1!);
          } catch (error) {
            throw new JweFieldError(describeFailure(error, pointer));
          }
        });
      }
      return current;
    },
  };
}

function describeFailure(error: unknown, pointer: string): FieldIssue {
  const at = safePointer(pointer);
  if (error instanceof JweError && error.code === 'PLAINTEXT_INVALID') {
    const inner = error.issues[0];
    const where = inner ? `${safePointer(inner.pointer || '/')} (${inner.rule})` : 'its schema';
    return { pointer: at, rule: `the encrypted content does not match at ${where}`, keyword: 'plaintext' };
  }
  if (error instanceof JweError) {
    return { pointer: at, rule: `cannot be decrypted or encrypted (${error.code})`, keyword: 'jwe' };
  }
  return { pointer: at, rule: 'cannot be decrypted or encrypted', keyword: 'jwe' };
}
