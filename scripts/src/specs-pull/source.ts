import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestEntry } from '../lib/manifest.js';
import type { Source } from './args.js';
import { firstLine, SpecsPullError } from './errors.js';

/** Vendor specs are tens of kilobytes; anything near this is not a spec and is refused unread. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Where one spec comes from: its manifest URL, `<dir>/<File>.yaml` or `<base-url>/<File>.yaml`. */
export function locate(entry: ManifestEntry, source: Source): { kind: 'url' | 'file'; location: string } {
  switch (source.kind) {
    case 'manifest':
      return { kind: 'url', location: entry.url };
    case 'directory':
      return { kind: 'file', location: path.resolve(source.dir, entry.file) };
    case 'base-url': {
      const base = source.base.href.endsWith('/') ? source.base.href : `${source.base.href}/`;
      return { kind: 'url', location: new URL(encodeURIComponent(entry.file), base).href };
    }
  }
}

export async function readSpecBytes(
  where: { kind: 'url' | 'file'; location: string },
  limits: FetchLimits,
  fetchImpl: FetchLike,
): Promise<Uint8Array> {
  return where.kind === 'file'
    ? readLocalFile(where.location, limits.maxBytes)
    : fetchBytes(where.location, limits, fetchImpl);
}

async function readLocalFile(file: string, maxBytes: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecsPullError(
      'FILE_UNREADABLE',
      code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file} (${code})`,
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SpecsPullError('FILE_UNREADABLE', `${file} is not a regular file`);
    if (stat.size > maxBytes)
      throw new SpecsPullError(
        'BODY_TOO_LARGE',
        `${file} is ${stat.size} bytes, over the ${maxBytes}-byte limit`,
      );
    return new Uint8Array(await handle.readFile());
  } catch (error) {
    if (error instanceof SpecsPullError) throw error;
    throw new SpecsPullError(
      'FILE_UNREADABLE',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? firstLine(error)})`,
    );
  } finally {
    await handle.close();
  }
}

/** Why a failed fetch failed, from undici's error and its cause (ECONNREFUSED, ENOTFOUND, …). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return firstLine(error);
}

/**
 * GETs a spec with a deadline covering headers and body, a size cap enforced while streaming, and a
 * check that the body is as long as Content-Length said: a connection cut short is an error, never a spec.
 */
async function fetchBytes(url: string, limits: FetchLimits, fetchImpl: FetchLike): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const timedOut = () =>
    new SpecsPullError('FETCH_TIMEOUT', `no complete response from ${url} within ${limits.timeoutMs} ms`);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      signal,
      redirect: 'follow',
      headers: { accept: 'application/yaml, text/yaml;q=0.9, text/plain;q=0.5, */*;q=0.1' },
    });
  } catch (error) {
    if (signal.aborted) throw timedOut();
    throw new SpecsPullError('FETCH_FAILED', `cannot fetch ${url} (${networkReason(error)})`);
  }
  const discard = () => response.body?.cancel().catch(() => undefined);
  if (!response.ok) {
    await discard();
    throw new SpecsPullError(
      'HTTP_STATUS',
      `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    );
  }
  if (url.startsWith('https:') && response.redirected && !response.url.startsWith('https:')) {
    await discard();
    throw new SpecsPullError('INSECURE_REDIRECT', `${url} redirected to a non-https URL`);
  }
  const declared = declaredLength(response);
  if (declared !== undefined && declared > limits.maxBytes) {
    await discard();
    throw new SpecsPullError(
      'BODY_TOO_LARGE',
      `${url} declares ${declared} bytes, over the ${limits.maxBytes}-byte limit`,
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new SpecsPullError('BODY_TOO_LARGE', `${url} sent more than the ${limits.maxBytes}-byte limit`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof SpecsPullError) throw error;
    if (signal.aborted) throw timedOut();
    throw new SpecsPullError('BODY_TRUNCATED', `the body from ${url} ended early (${networkReason(error)})`);
  }
  if (declared !== undefined && total !== declared) {
    throw new SpecsPullError('BODY_TRUNCATED', `${url} sent ${total} of the ${declared} bytes it declared`);
  }
  return concat(chunks, total);
}

/** Content-Length, when it describes the bytes we read (a compressed body's length does not). */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') return undefined;
  const text = response.headers.get('content-length');
  return text !== null && /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
