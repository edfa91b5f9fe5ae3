import type { Dispatcher } from 'undici';
import { describeLowLevelError, safeIdentifier, TokenError } from './errors.js';
import { type InboundTokenResponse, parseInboundTokenResponse } from './token-response.js';

/** The part of a fetch Response the token provider reads. */
export interface FetchLikeResponse {
  readonly status: number;
  readonly body: AsyncIterable<Uint8Array> | null;
}

/** The global fetch, undici's fetch, or your own wrapper (for example one that adds the mTLS dispatcher). */
export type FetchLike = (url: string, init: RequestInit) => Promise<FetchLikeResponse>;

export interface TokenRequest {
  readonly url: string;
  readonly assertion: string;
  readonly fetch: FetchLike;
  readonly dispatcher: Dispatcher | undefined;
  readonly correlationId: string | undefined;
}

/** Outcome of one HTTP attempt: a token, or an error plus whether another attempt may help. */
export type AttemptResult =
  | { readonly ok: true; readonly token: InboundTokenResponse }
  | { readonly ok: false; readonly error: TokenError; readonly retryable: boolean };

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_RESPONSE_BYTES = 64 * 1024;
const CORRELATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function readBounded(
  body: AsyncIterable<Uint8Array> | null,
  limit: number,
): Promise<string | undefined> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) return undefined; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function discard(body: AsyncIterable<Uint8Array> | null): Promise<void> {
  try {
    await body?.[Symbol.asyncIterator]().return?.();
  } catch {
    // Nothing useful to do with a failure to cancel a body we do not want.
  }
}

function oauthErrorOf(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    return safeIdentifier((JSON.parse(text) as { error?: unknown })?.error);
  } catch {
    return undefined;
  }
}

/** One POST to the D1 token endpoint. Never throws; classifies the outcome for the retry loop. */
export async function requestToken(request: TokenRequest, signal: AbortSignal): Promise<AttemptResult> {
  if (request.correlationId !== undefined && !CORRELATION_ID.test(request.correlationId)) {
    const error = new TokenError('CONFIG_INVALID', 'x-correlation-id must match ^[A-Za-z0-9_-]{1,64}$');
    return { ok: false, error, retryable: false };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (request.correlationId !== undefined) headers['x-correlation-id'] = request.correlationId;
  const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: request.assertion }).toString();
  // A redirect would resend the assertion to wherever it points, so redirects are errors.
  const init = { method: 'POST', headers, body, redirect: 'error', signal } as RequestInit;
  if (request.dispatcher) (init as { dispatcher?: Dispatcher }).dispatcher = request.dispatcher;

  let status: number;
  let text: string | undefined;
  try {
    const response = await request.fetch(request.url, init);
    status = response.status;
    if (status >= 200 && status < 300) {
      text = await readBounded(response.body, MAX_RESPONSE_BYTES);
    } else if (status >= 400 && status < 500) {
      text = await readBounded(response.body, MAX_RESPONSE_BYTES).catch(() => undefined);
    } else {
      await discard(response.body);
    }
  } catch (cause) {
    if (signal.aborted) {
      const error = new TokenError('TOKEN_TIMEOUT', 'The D1 token endpoint did not answer in time');
      return { ok: false, error, retryable: true };
    }
    const reason = describeLowLevelError(cause);
    const error = new TokenError('TOKEN_NETWORK_ERROR', 'The D1 token endpoint could not be reached', {
      reason,
    });
    return { ok: false, error, retryable: true };
  }

  if (status >= 200 && status < 300) {
    if (text === undefined) {
      const error = new TokenError('TOKEN_RESPONSE_INVALID', 'The D1 token response is too large', {
        status,
      });
      return { ok: false, error, retryable: false };
    }
    try {
      return { ok: true, token: parseInboundTokenResponse(text) };
    } catch (error) {
      return { ok: false, error: error as TokenError, retryable: false };
    }
  }
  if (status === 401) {
    const error = new TokenError('TOKEN_UNAUTHORIZED', 'D1 refused the assertion (401)', {
      status,
      oauthError: oauthErrorOf(text),
    });
    return { ok: false, error, retryable: false };
  }
  if (status >= 400 && status < 500) {
    const error = new TokenError('TOKEN_REJECTED', `D1 refused the token request (${status})`, {
      status,
      oauthError: oauthErrorOf(text),
    });
    return { ok: false, error, retryable: false };
  }
  if (status >= 500) {
    const error = new TokenError('TOKEN_SERVER_ERROR', `The D1 token endpoint failed (${status})`, {
      status,
    });
    return { ok: false, error, retryable: true };
  }
  const error = new TokenError(
    'TOKEN_RESPONSE_INVALID',
    `Unexpected status ${status} from the D1 token endpoint`,
    {
      status,
    },
  );
  return { ok: false, error, retryable: false };
}
