import { type JweFieldMeta, type PlaintextSchemaName, plaintextSchemas } from '@d1kit/generated';
import { JweError, type PayloadCodec, payloadCodec, type RecipientKey } from '@d1kit/jwe';
import { D1ClientError, type InputIssue } from './errors.js';

/**
 * Caller-facing name of the plaintext next to a JWE field: the caller writes `card: { pan, exp }` and the
 * client sends `encryptedData`. Card payloads read as `card`; any schema added later gets its own name
 * lower-cased (`PinBlock` → `pinBlock`), so a new JWE field needs no edit here.
 */
const FRIENDLY_NAMES: Readonly<Record<string, string>> = {
  CardCredentials: 'card',
  PhysicalCardData: 'card',
};

export function plaintextProperty(schema: string): string {
  return FRIENDLY_NAMES[schema] ?? schema.charAt(0).toLowerCase() + schema.slice(1);
}

/** A JWE field of a request body, resolved from the operation metadata. */
export interface JweBinding {
  /** Property names from the body root to the object holding the field; `*` stands for every array item. */
  readonly parent: readonly string[];
  readonly field: string;
  readonly plaintextProperty: string;
  readonly schema: PlaintextSchemaName;
}

export function requestJweBindings(fields: readonly JweFieldMeta[], contentType: string): JweBinding[] {
  return fields
    .filter((field) => field.in === 'request' && field.contentType === contentType)
    .map((field) => {
      const tokens = field.pointer
        .split('/')
        .slice(1)
        .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
      return {
        parent: tokens.slice(0, -1),
        field: tokens.at(-1)!,
        plaintextProperty: plaintextProperty(field.schema),
        schema: field.schema as PlaintextSchemaName,
      };
    });
}

const codecs = new Map<string, PayloadCodec<unknown>>();

/** @d1kit/jwe's typed payload for a plaintext schema: its checks and its encryption, shared by all calls. */
function codecFor(schema: PlaintextSchemaName): PayloadCodec<unknown> {
  let codec = codecs.get(schema);
  if (!codec) {
    codec = payloadCodec(schema) as PayloadCodec<unknown>;
    codecs.set(schema, codec);
  }
  return codec;
}

/** ISO/IEC 7812 check digit: every real PAN passes it, so a typo is caught here and not by D1. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const COMPACT_JWE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_JWE_LENGTH = 8192;

export interface PlaintextOptions {
  /** Check the PAN's Luhn digit (default true). Only for test card ranges that do not follow it. */
  readonly luhn: boolean;
}

function checkPlaintext(
  binding: JweBinding,
  value: unknown,
  at: string,
  options: PlaintextOptions,
): InputIssue[] {
  try {
    codecFor(binding.schema).validate(value);
  } catch (error) {
    if (!(error instanceof JweError)) throw error;
    const issues = error.issues.length > 0 ? error.issues : [{ pointer: '', rule: 'schema' }];
    return issues.map((issue) => ({
      location: 'plaintext',
      pointer: `${at}${issue.pointer}`,
      rule: issue.rule,
    }));
  }
  const pan = (value as { pan?: unknown }).pan;
  const declaresPan =
    'pan' in ((plaintextSchemas[binding.schema] as { properties?: object }).properties ?? {});
  if (options.luhn && declaresPan && typeof pan === 'string' && !passesLuhn(pan)) {
    return [{ location: 'plaintext', pointer: `${at}/pan`, rule: 'luhn' }];
  }
  return [];
}

interface Site {
  readonly holder: Record<string, unknown>;
  readonly pointer: string;
}

/** Every object the binding's parent path reaches in the body (several when it crosses arrays). */
function sites(body: unknown, parent: readonly string[]): Site[] {
  let current: Site[] = [{ holder: body as Record<string, unknown>, pointer: '' }];
  for (const token of parent) {
    const next: Site[] = [];
    for (const site of current) {
      const value = token === '*' ? site.holder : site.holder[token];
      const pointer = token === '*' ? site.pointer : `${site.pointer}/${token}`;
      if (token === '*' && Array.isArray(value)) {
        value.forEach((item, index) => {
          next.push({ holder: item as Record<string, unknown>, pointer: `${pointer}/${index}` });
        });
      } else if (token !== '*' && value !== null && typeof value === 'object') {
        next.push({ holder: value as Record<string, unknown>, pointer });
      }
    }
    current = next.filter((site) => site.holder !== null && typeof site.holder === 'object');
  }
  return current;
}

/** Checks what the caller gave for each JWE field (plaintext or a ready JWE) without encrypting anything. */
export function checkJweInputs(
  body: unknown,
  bindings: readonly JweBinding[],
  options: PlaintextOptions,
): InputIssue[] {
  if (body === null || typeof body !== 'object') return [];
  const issues: InputIssue[] = [];
  for (const binding of bindings) {
    for (const site of sites(body, binding.parent)) {
      const plain = site.holder[binding.plaintextProperty];
      const ready = site.holder[binding.field];
      const plainAt = `${site.pointer}/${binding.plaintextProperty}`;
      if (plain !== undefined && ready !== undefined) {
        issues.push({ location: 'body', pointer: plainAt, rule: 'exclusive' });
      } else if (plain !== undefined) {
        issues.push(...checkPlaintext(binding, plain, plainAt, options));
      } else if (
        ready !== undefined &&
        (typeof ready !== 'string' || ready.length > MAX_JWE_LENGTH || !COMPACT_JWE.test(ready))
      ) {
        issues.push({ location: 'body', pointer: `${site.pointer}/${binding.field}`, rule: 'compactJwe' });
      }
    }
  }
  return issues;
}

/** True when the caller passed plaintext somewhere, i.e. the D1 key is needed. */
export function hasPlaintext(body: unknown, bindings: readonly JweBinding[]): boolean {
  if (body === null || typeof body !== 'object') return false;
  return bindings.some((binding) =>
    sites(body, binding.parent).some((site) => site.holder[binding.plaintextProperty] !== undefined),
  );
}

function cloneAlong(value: unknown, parent: readonly string[]): unknown {
  if (Array.isArray(value))
    return value.map((item) => (parent[0] === '*' ? cloneAlong(item, parent.slice(1)) : item));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const [head, ...rest] = parent;
  if (head !== undefined && head !== '*' && head in copy) copy[head] = cloneAlong(copy[head], rest);
  return copy;
}

/**
 * The body as sent: each plaintext replaced by its compact JWE for D1. The caller's object is not
 * touched (only the objects on the way to a JWE field are copied), so a retry or a reuse sees the input.
 */
export async function encryptJweInputs(
  body: unknown,
  bindings: readonly JweBinding[],
  recipient: RecipientKey,
): Promise<unknown> {
  let out = body;
  for (const binding of bindings) {
    out = cloneAlong(out, [...binding.parent, '']);
    for (const site of sites(out, binding.parent)) {
      const plain = site.holder[binding.plaintextProperty];
      if (plain === undefined) continue;
      try {
        site.holder[binding.field] = await codecFor(binding.schema).encrypt(plain, recipient);
      } catch (error) {
        const reason = error instanceof JweError ? error.code : undefined;
        throw new D1ClientError(
          'ENCRYPTION_FAILED',
          `encrypting ${binding.plaintextProperty} for D1 failed`,
          {
            ...(reason ? { reason } : {}),
          },
        );
      }
      delete site.holder[binding.plaintextProperty];
    }
  }
  return out;
}
