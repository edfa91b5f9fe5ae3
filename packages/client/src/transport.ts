import createClient, { type Client } from 'openapi-fetch';
import { type Dispatcher, request as undiciRequest } from 'undici';

/** The largest response body read (D1 answers are small JSON); anything longer is refused. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

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
  /** One response header (values of a repeated header joined with `, `), or null. */
  header(name: string): string | null;
  /** All response headers as a Headers object, built on demand. */
  allHeaders(): Headers;
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

/**
 * The parts of a fetch Request that openapi-fetch reads and writes. openapi-fetch builds the URL, the
 * path parameters, the headers and the body; this carries them to undici.request on the mTLS dispatcher.
 * Going through the WHATWG Request/fetch/Response objects instead costs more per call than the rest of
 * the client together (see bench/call.ts), and undici's own fetch refuses the global Request class.
 */
class OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;

  constructor(url: string, init: { method: string; headers: Headers; body?: string; signal?: AbortSignal }) {
    this.url = url;
    this.method = init.method;
    this.headers = init.headers;
    this.body = init.body;
    this.signal = init.signal;
  }
}

type RawHeaders = Record<string, string | string[] | undefined>;

/** The parts of a fetch Response that openapi-fetch reads, over a body already read in full. */
class ReceivedResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly status: number,
    readonly rawHeaders: RawHeaders,
    readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const value = rawHeaders[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  async text(): Promise<string> {
    return this.bodyText;
  }
}

type Body = AsyncIterable<Buffer> & { destroy(error?: Error): void; text(): Promise<string> };

/**
 * The whole body, at most MAX_RESPONSE_BYTES. With a Content-Length undici reads exactly that many bytes,
 * so a declared length within the limit takes undici's fast path; otherwise the bytes are counted.
 */
async function readBounded(body: Body, declared: string | string[] | undefined): Promise<string> {
  if (typeof declared === 'string' && /^\d{1,16}$/.test(declared)) {
    if (Number(declared) <= MAX_RESPONSE_BYTES) return body.text();
    body.destroy();
    throw new ResponseTooLarge('response body too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new ResponseTooLarge('response body too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const templates = new Map<string, readonly string[]>();

/**
 * openapi-fetch's default path serializer scans the template with a regular expression on every call;
 * the templates are few and fixed, so they are split once. Parameters are primitive strings in the
 * `simple` style, percent-encoded as the default does.
 */
export function serializePath(template: string, params: Record<string, unknown>): string {
  let parts = templates.get(template);
  if (!parts) {
    parts = template.split(/\{([^{}]+)\}/);
    templates.set(template, parts);
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const value = params[parts[i]!];
    out += value === undefined ? `{${parts[i]}}` : encodeURIComponent(String(value));
    out += parts[i + 1]!;
  }
  return out;
}

function serializeForm(body: unknown): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value !== undefined) form.append(key, String(value));
  }
  return form.toString();
}

function parseText(text: string, contentType: string | null): ReceivedBody {
  if (text.length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'other', contentType };
  }
}

function toHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

type LooseClient = {
  request(
    method: string,
    path: string,
    init: Record<string, unknown>,
  ): Promise<{ data?: string; error?: unknown; response: ReceivedResponse }>;
};

/**
 * HTTP for the client: one openapi-fetch client per spec (each spec has its own server path), all on
 * the caller's mTLS dispatcher. Redirects are not followed (undici.request's default): following one
 * would resend the bearer token elsewhere, so a 3xx comes back as an undeclared status.
 */
export class Transport {
  readonly #clients = new Map<string, Client<Record<string, never>>>();
  readonly #fetch: (request: OutgoingRequest) => Promise<ReceivedResponse>;

  constructor(
    private readonly baseUrlOf: (spec: string) => string,
    dispatcher: Dispatcher,
  ) {
    this.#fetch = async (request) => {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const response = await undiciRequest(request.url, {
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: request.body ?? null,
        signal: request.signal ?? null,
        dispatcher,
      });
      const text = await readBounded(response.body, response.headers['content-length']);
      return new ReceivedResponse(response.statusCode, response.headers, text);
    };
  }

  #client(spec: string): LooseClient {
    let client = this.#clients.get(spec);
    if (!client) {
      client = createClient<Record<string, never>>({
        baseUrl: this.baseUrlOf(spec),
        fetch: this.#fetch as unknown as (request: Request) => Promise<Response>,
        Request: OutgoingRequest as unknown as typeof Request,
        pathSerializer: serializePath,
      });
      this.#clients.set(spec, client);
    }
    return client as unknown as LooseClient;
  }

  async send(request: SendRequest): Promise<Received> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    const init: Record<string, unknown> = {
      params: { path: request.pathParams },
      headers,
      signal: request.signal,
      parseAs: 'text',
    };
    if (request.body !== undefined) {
      init.body = request.body;
      const form = request.contentType === 'application/x-www-form-urlencoded';
      init.bodySerializer = form ? serializeForm : JSON.stringify;
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const { data, error, response } = await this.#client(request.spec).request(
      request.method,
      request.path,
      init,
    );
    const contentType = response.headers.get('content-type');
    let body: ReceivedBody;
    if (response.ok) body = data === undefined ? { kind: 'empty' } : parseText(data, contentType);
    else if (error === undefined || error === '') body = { kind: 'empty' };
    else if (typeof error === 'string') body = { kind: 'other', contentType };
    else body = { kind: 'json', value: error };
    let all: Headers | undefined;
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      allHeaders: () => {
        all ??= toHeaders(response.rawHeaders);
        return all;
      },
      body,
    };
  }
}
