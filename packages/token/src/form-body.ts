import type { Request } from 'express';

export type FormParams = ReadonlyMap<string, readonly string[]>;

export type FormReadResult =
  | { readonly ok: true; readonly params: FormParams }
  | {
      readonly ok: false;
      readonly reason: 'content_type' | 'encoding' | 'too_large' | 'unreadable' | 'shape';
    };

const MAX_BODY_BYTES = 8 * 1024;

function isFormContentType(header: string | undefined): 'yes' | 'no' | 'charset' {
  if (!header) return 'no';
  const [mediaType, ...parameters] = header.split(';');
  if (mediaType?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return 'no';
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=').map((part) => part.trim().toLowerCase());
    if (name === 'charset' && value?.replace(/"/g, '') !== 'utf-8') return 'charset';
  }
  return 'yes';
}

async function readRaw(req: Request): Promise<string | 'too_large' | 'unreadable'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > MAX_BODY_BYTES) return 'too_large';
      chunks.push(bytes);
    }
  } catch {
    return 'unreadable';
  }
  return Buffer.concat(chunks).toString('utf8');
}

function fromText(text: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  return params;
}

/**
 * A body some earlier middleware (express.urlencoded) already parsed; repeated fields come as arrays.
 * That parser allows 100 KiB by default, so the 8 KiB limit is applied again to what it produced.
 */
function fromParsed(body: object): Map<string, string[]> | 'too_large' | undefined {
  const params = new Map<string, string[]>();
  let size = 0;
  for (const [name, value] of Object.entries(body)) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((item) => typeof item === 'string')) return undefined;
    size += values.reduce(
      (sum, item: string) => sum + Buffer.byteLength(name) + Buffer.byteLength(item) + 2,
      0,
    );
    if (size > MAX_BODY_BYTES) return 'too_large';
    params.set(name, values as string[]);
  }
  return params;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (at most 8 KiB) whether or not a body parser ran
 * before, keeping every value of a repeated field so the caller can refuse repeats (RFC 6749 §3.2).
 */
export async function readFormBody(req: Request): Promise<FormReadResult> {
  const contentType = isFormContentType(req.headers['content-type']);
  if (contentType !== 'yes')
    return { ok: false, reason: contentType === 'charset' ? 'encoding' : 'content_type' };
  const contentEncoding = req.headers['content-encoding'];
  if (contentEncoding && contentEncoding.toLowerCase() !== 'identity')
    return { ok: false, reason: 'encoding' };

  const body: unknown = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString();
    return Buffer.byteLength(text) > MAX_BODY_BYTES
      ? { ok: false, reason: 'too_large' }
      : { ok: true, params: fromText(text) };
  }
  if (body !== undefined && body !== null) {
    const params = typeof body === 'object' ? fromParsed(body) : undefined;
    if (params === 'too_large') return { ok: false, reason: 'too_large' };
    return params ? { ok: true, params } : { ok: false, reason: 'shape' };
  }
  const raw = await readRaw(req);
  if (raw === 'too_large' || raw === 'unreadable') return { ok: false, reason: raw };
  return { ok: true, params: fromText(raw) };
}
