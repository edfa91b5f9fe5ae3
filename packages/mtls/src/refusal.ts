import type { ServerResponse } from 'node:http';
import type { ClientCertRefusal } from './authorizer.js';
import type { ClientIdentity } from './identity.js';

const MESSAGES: Record<ClientCertRefusal, string> = {
  CLIENT_CERTIFICATE_REQUIRED: 'a client certificate is required',
  CLIENT_CERTIFICATE_UNTRUSTED: 'the client certificate is not trusted',
  CLIENT_CERTIFICATE_UNREADABLE: 'the client certificate cannot be read',
  CLIENT_CERTIFICATE_EXPIRED: 'the client certificate has expired',
  CLIENT_CERTIFICATE_WRONG_USAGE: 'the client certificate is not valid for TLS client authentication',
  CLIENT_CERTIFICATE_NOT_ALLOWED: 'the client certificate is not authorized for this service',
};

/** The D1-shaped error body (`{ error, message }`, contract 9.5) sent with a 403 for a refused certificate. */
export function refusalBody(refusal: ClientCertRefusal): { error: ClientCertRefusal; message: string } {
  return { error: refusal, message: MESSAGES[refusal] };
}

/** Writes the 403 and closes the connection: its certificate, and so the verdict, cannot change. */
export function sendRefusal(res: ServerResponse, refusal: ClientCertRefusal): void {
  const body = JSON.stringify(refusalBody(refusal));
  res.shouldKeepAlive = false;
  res.writeHead(403, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/** What a refusal hook receives: safe to log (certificates are public, nothing secret is included). */
export interface RefusalEvent {
  readonly refusal: ClientCertRefusal;
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  readonly serialNumber: string | undefined;
  readonly fingerprint256: string | undefined;
  readonly remoteAddress: string | undefined;
  /** OpenSSL's verdict on the chain (e.g. CERT_HAS_EXPIRED), only seen with rejectUnauthorized: false. */
  readonly tlsError: string | undefined;
}

export function refusalEvent(
  refusal: ClientCertRefusal,
  identity: ClientIdentity | null,
  socket: {
    readonly remoteAddress?: string | undefined;
    readonly authorizationError?: Error | string | null;
  },
): RefusalEvent {
  const tlsError = socket.authorizationError;
  return {
    refusal,
    subject: identity?.subject,
    issuer: identity?.issuer,
    serialNumber: identity?.serialNumber,
    fingerprint256: identity?.fingerprint256,
    remoteAddress: socket.remoteAddress,
    tlsError: tlsError ? String(tlsError) : undefined,
  };
}

/** Runs a caller's hook; a hook that throws must not take the server (or the request) down with it. */
export function callHook<T>(hook: ((value: T) => void) | undefined, value: T): void {
  if (!hook) return;
  try {
    hook(value);
  } catch {
    // ignored on purpose: hooks are for logging and metrics
  }
}
