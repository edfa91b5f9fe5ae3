import type { X509Certificate } from 'node:crypto';

/** The part of a request the default caller key reads. */
interface CallerSocket {
  readonly remoteAddress?: string | undefined;
  readonly authorized?: boolean;
  getPeerX509Certificate?(): X509Certificate | undefined;
}

const MAX_CALLER_KEY_LENGTH = 256;
const fingerprints = new WeakMap<object, string | null>();

/**
 * Who is calling, for throttling: the SHA-256 fingerprint of a verified TLS client certificate (D1
 * connects with mTLS), else the peer address. Behind a proxy that terminates TLS every caller has the
 * proxy's address; pass `callerKey` to read the proxy's verified client identity instead.
 */
export function defaultCallerKey(req: { readonly socket?: CallerSocket | null }): string {
  const socket = req.socket;
  if (!socket) return '';
  if (socket.authorized === true && typeof socket.getPeerX509Certificate === 'function') {
    let fingerprint = fingerprints.get(socket);
    if (fingerprint === undefined) {
      fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? null;
      fingerprints.set(socket, fingerprint);
    }
    if (fingerprint) return `cert:${fingerprint}`;
  }
  return `addr:${socket.remoteAddress ?? ''}`;
}

/** Bounds a caller key from a user hook, so it cannot grow the throttle's memory without limit. */
export function boundedCallerKey(key: unknown): string {
  return typeof key === 'string' ? key.slice(0, MAX_CALLER_KEY_LENGTH) : '';
}
