import type { FetchLike, FetchLikeResponse } from '../token-request.js';

export interface RecordedCall {
  readonly url: string;
  readonly init: RequestInit & { dispatcher?: unknown };
  readonly form: URLSearchParams;
}

export type Reply = (call: RecordedCall) => Promise<FetchLikeResponse> | FetchLikeResponse;

export function json(status: number, body: unknown): FetchLikeResponse {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  }) as unknown as FetchLikeResponse;
}

export function tokenReply(accessToken: string, expiresIn: number | string = 900): FetchLikeResponse {
  return json(200, {
    access_token: accessToken,
    expires_in: expiresIn,
    token_type: 'Bearer',
    scope: 'd1-api:full',
  });
}

/** A fetch that records each call and answers with the next scripted reply (the last one repeats). */
export function fakeFetch(...replies: Reply[]): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const call = { url, init, form: new URLSearchParams(String(init.body)) };
    calls.push(call);
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)] as Reply;
    return reply(call);
  };
  return Object.assign(fetch, { calls });
}

/** A promise with its resolve function, to hold a reply until the test releases it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
