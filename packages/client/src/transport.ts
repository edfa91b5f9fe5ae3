import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { Dispatcher } from 'undici';

/** The largest response body read (JSON answers from D1 are small); anything longer is refused unread. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Thrown inside the body stream when a response grows past the limit. */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
}

/** What came back, read and bounded: the body parsed as JSON when it is JSON, else only its presence. */
export type ReceivedBody =
  | { readonly kind: 'empty' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'other'; readonly contentType: string | null };

export interface Received {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReceivedBody;
}

export interface SendRequest {
  readonly spec: string;
  readonly method: string;
  readonly path: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly contentType: string | undefined;
  readonly signal: AbortSignal;
}

function limitBody(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) controller.error(new ResponseTooLarge('response body too large'));
      else controller.enqueue(chunk);
    },
  });
}

/** openapi-fetch reads error bodies itself; wrapping the stream bounds that read too. */
const boundedBodies: Middleware = {
  onResponse({ response }) {
    if (response.body === null) return undefined;
    return new Response(response.body.pipeThrough(limitBody(MAX_RESPONSE_BYTES)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  },
};

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseText(text: string, contentType: string | null): ReceivedBody {
  if (text.length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'other', contentType };
  }
}

function decodeBody(bytes: Uint8Array, contentType: string | null): ReceivedBody {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { kind: 'other', contentType };
  }
  return parseText(text, contentType);
}

function serializeForm(body: unknown): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value !== undefined) form.append(key, String(value));
  }
  return form.toString();
}

/**
 * HTTP for the client: one openapi-fetch client per spec (each spec has its own server path), all on the
 * caller's mTLS dispatcher. Redirects are refused: following one would resend the bearer token elsewhere.
 */
export class Transport {
  readonly #clients = new Map<string, Client<Record<string, never>>>();
  readonly #fetch: (request: Request) => Promise<Response>;

  constructor(
    private readonly baseUrlOf: (spec: string) => string,
    dispatcher: Dispatcher | undefined,
  ) {
    // The global fetch, not undici's: openapi-fetch builds a global Request, which undici.fetch rejects.
    // Its types name Node's bundled undici Dispatcher; at run time an undici 7 Agent is accepted.
    this.#fetch = dispatcher
      ? (request) => fetch(request, { dispatcher } as unknown as RequestInit)
      : (request) => fetch(request);
  }

  #client(spec: string): Client<Record<string, never>> {
    let client = this.#clients.get(spec);
    if (!client) {
      client = createClient<Record<string, never>>({
        baseUrl: this.baseUrlOf(spec),
        fetch: this.#fetch,
        redirect: 'error',
      });
      client.use(boundedBodies);
      this.#clients.set(spec, client);
    }
    return client;
  }

  async send(request: SendRequest): Promise<Received> {
    const client = this.#client(request.spec) as unknown as {
      request(
        method: string,
        path: string,
        init: Record<string, unknown>,
      ): Promise<{
        data?: ReadableStream<Uint8Array> | null;
        error?: unknown;
        response: Response;
      }>;
    };
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    const init: Record<string, unknown> = {
      params: { path: request.pathParams },
      headers,
      signal: request.signal,
      parseAs: 'stream',
    };
    if (request.body !== undefined) {
      init.body = request.body;
      const form = request.contentType === 'application/x-www-form-urlencoded';
      init.bodySerializer = form ? serializeForm : JSON.stringify;
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const { data, error, response } = await client.request(request.method, request.path, init);
    const contentType = response.headers.get('content-type');
    let body: ReceivedBody;
    if (response.ok) {
      body = data ? decodeBody(await readAll(data), contentType) : { kind: 'empty' };
    } else if (error === undefined || error === '') {
      body = { kind: 'empty' };
    } else if (typeof error === 'string') {
      body = { kind: 'other', contentType };
    } else {
      body = { kind: 'json', value: error };
    }
    return { status: response.status, headers: response.headers, body };
  }
}
