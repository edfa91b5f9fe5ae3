import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../lib/manifest.js';
import { SpecsPullError } from './errors.js';
import { type Served, serve } from './fixtures.test-helpers.js';
import { type FetchLike, locate, readSpecBytes } from './source.js';

const entry: ManifestEntry = {
  file: 'D1-Public-IN-v9-Cards.yaml',
  direction: 'inbound',
  url: 'https://specs.example.test/spec/D1-Public-IN-v9-Cards.yaml',
  overlay: 'overlays/D1-Public-IN-v9-Cards.overlay.yaml',
  sha256: '0'.repeat(64),
  lastPull: null,
};
const limits = { timeoutMs: 2_000, maxBytes: 1024 };

async function failure(work: Promise<unknown>): Promise<SpecsPullError> {
  const error = await work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof SpecsPullError)) throw error;
  return error;
}

/** A fetch double that answers with `response`, marked as redirected to `finalUrl` when given. */
function fakeFetch(response: Response, finalUrl?: string): FetchLike {
  return async () => {
    if (finalUrl) {
      Object.defineProperty(response, 'redirected', { value: true });
      Object.defineProperty(response, 'url', { value: finalUrl });
    }
    return response;
  };
}

describe('locate', () => {
  it('uses the manifest URL, a directory or a base URL with or without a trailing slash', () => {
    expect(locate(entry, { kind: 'manifest' })).toEqual({ kind: 'url', location: entry.url });
    expect(locate(entry, { kind: 'directory', dir: 'vendor' })).toEqual({
      kind: 'file',
      location: path.resolve('vendor', entry.file),
    });
    for (const base of ['http://127.0.0.1:8080/mirror', 'http://127.0.0.1:8080/mirror/']) {
      expect(locate(entry, { kind: 'base-url', base: new URL(base) }).location).toBe(
        `http://127.0.0.1:8080/mirror/${entry.file}`,
      );
    }
  });
});

describe('readSpecBytes over HTTP', () => {
  let server: Served | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('returns the exact bytes and sends a YAML Accept header', async () => {
    let accept = '';
    server = await serve({
      'x.yaml': (req, res) => {
        accept = String(req.headers.accept);
        res.end('openapi: 3.0.3\n');
      },
    });
    const got = await readSpecBytes({ kind: 'url', location: `${server.base}/x.yaml` }, limits, fetch);
    expect(new TextDecoder().decode(got)).toBe('openapi: 3.0.3\n');
    expect(accept).toMatch(/^application\/yaml/);
  });

  it('refuses a redirect from https to http', async () => {
    const error = await failure(
      readSpecBytes(
        { kind: 'url', location: entry.url },
        limits,
        fakeFetch(new Response('openapi: 3.0.3\n'), 'http://plain.example.test/x.yaml'),
      ),
    );
    expect(error).toMatchObject({ code: 'INSECURE_REDIRECT' });
  });

  it('does not compare Content-Length with a decoded compressed body', async () => {
    const response = new Response('openapi: 3.0.3\n', {
      headers: { 'content-encoding': 'gzip', 'content-length': '3' },
    });
    const got = await readSpecBytes({ kind: 'url', location: entry.url }, limits, fakeFetch(response));
    expect(got.byteLength).toBe(15);
  });

  it('reports a body shorter than its Content-Length even when the stream ends normally', async () => {
    const response = new Response('openapi', { headers: { 'content-length': '30' } });
    const error = await failure(
      readSpecBytes({ kind: 'url', location: entry.url }, limits, fakeFetch(response)),
    );
    expect(error.message).toBe(`${entry.url} sent 7 of the 30 bytes it declared`);
  });

  it('wraps a throwing fetch as a fetch failure with its reason', async () => {
    const throwing: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    };
    const error = await failure(readSpecBytes({ kind: 'url', location: entry.url }, limits, throwing));
    expect(error).toMatchObject({ code: 'FETCH_FAILED', message: `cannot fetch ${entry.url} (ENOTFOUND)` });
  });
});

describe('readSpecBytes from a directory', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads a file, and refuses a missing file, a directory or one over the cap', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'd1kit-source-'));
    const file = path.join(dir, 'x.yaml');
    await writeFile(file, 'openapi: 3.0.3\n');
    expect((await readSpecBytes({ kind: 'file', location: file }, limits, fetch)).byteLength).toBe(15);
    expect(
      await failure(readSpecBytes({ kind: 'file', location: path.join(dir, 'none.yaml') }, limits, fetch)),
    ).toMatchObject({
      code: 'FILE_UNREADABLE',
      message: `${path.join(dir, 'none.yaml')} does not exist`,
    });
    expect(await failure(readSpecBytes({ kind: 'file', location: dir }, limits, fetch))).toMatchObject({
      code: 'FILE_UNREADABLE',
    });
    await writeFile(file, 'x'.repeat(2048));
    expect(await failure(readSpecBytes({ kind: 'file', location: file }, limits, fetch))).toMatchObject({
      code: 'BODY_TOO_LARGE',
    });
  });
});
