import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  type ClientCertAuthorizer,
  type ClientCertPolicy,
  createClientCertAuthorizer,
} from './authorizer.js';
import { MtlsError } from './errors.js';
import {
  type CheckedTlsMaterial,
  checkTlsMaterial,
  type TlsMaterial,
  type TlsMaterialFiles,
} from './material.js';
import { setAuthorizedClient } from './middleware.js';
import { callHook, type RefusalEvent, refusalEvent, sendRefusal } from './refusal.js';
import { attachTlsReload, type TlsReloader, type TlsReloadOptions } from './reload.js';
import { createMtlsServerOptions, type TlsProtocolOptions } from './server-options.js';

export interface MtlsServerConfig {
  /** Files (reloadable) or in-memory PEM (fixed). */
  readonly tls: TlsMaterialFiles | TlsMaterial;
  readonly policy: ClientCertPolicy | ClientCertAuthorizer;
  /** An Express app or any Node request listener; it only ever sees authorized requests. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly protocol?: TlsProtocolOptions;
  /**
   * What a trusted certificate that fails the policy (EKU, allow-list) gets. `http-403` (default): every
   * request on the connection is answered 403 `{ error, message }`. `close`: the connection is closed
   * right after the handshake, before any HTTP is read.
   */
  readonly refusalMode?: 'http-403' | 'close';
  /** Only with files: reload on change (default true) and the poll interval. */
  readonly reload?: Pick<TlsReloadOptions, 'watch' | 'intervalMs' | 'onReload' | 'onError' | 'check'>;
  readonly onRefused?: (event: RefusalEvent) => void;
  /**
   * Handshake failures with OpenSSL's code (no certificate, old protocol, …). Chain failures (unknown CA,
   * expired, wrong purpose) are detected by Node after the handshake and the socket is simply dropped,
   * so they show up here as ECONNRESET at most.
   */
  readonly onTlsError?: (event: {
    readonly code: string | undefined;
    readonly remoteAddress: string | undefined;
  }) => void;
}

export interface MtlsServer {
  readonly server: Server;
  readonly material: CheckedTlsMaterial;
  /** Re-reads the files now (rejects with MTLS_RELOAD_FAILED and keeps the old material); a no-op for in-memory PEM. */
  reload(): Promise<void>;
  /** Stops watching and closes the server, ending idle keep-alive connections. */
  close(): Promise<void>;
}

/**
 * An HTTPS server that enforces mTLS in two layers: the TLS handshake refuses untrusted, expired and
 * not-yet-valid certificates, and the policy (clientAuth EKU, allow-list) is checked once per connection
 * before any request reaches `handler`, which finds the identity on `req.clientIdentity`.
 */
export async function createMtlsServer(config: MtlsServerConfig): Promise<MtlsServer> {
  const authorizer =
    'authorizeSocket' in config.policy ? config.policy : createClientCertAuthorizer(config.policy);
  const refusalMode = config.refusalMode ?? 'http-403';
  if (refusalMode !== 'http-403' && refusalMode !== 'close') {
    throw new MtlsError('MTLS_INVALID_OPTIONS', "refusalMode must be 'http-403' or 'close'");
  }
  if (typeof config.handler !== 'function') {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'handler must be a request listener (e.g. an Express app)');
  }
  const fromFiles = 'certFile' in config.tls;

  let fixed: CheckedTlsMaterial | undefined;
  if (!fromFiles) fixed = checkTlsMaterial(config.tls as TlsMaterial, config.reload?.check);
  const server = createServer(
    fixed ? createMtlsServerOptions(fixed, config.protocol) : { requestCert: true, rejectUnauthorized: true },
  );

  let reloader: TlsReloader | undefined;
  if (fromFiles) {
    // attachTlsReload installs the full secure context (certificate, key, CA, protocol floor, ciphers).
    reloader = await attachTlsReload(server, config.tls as TlsMaterialFiles, {
      ...config.reload,
      ...(config.protocol ? { protocol: config.protocol } : {}),
    });
  }

  server.on('secureConnection', (socket: TLSSocket) => {
    // The verdict and identity hold for the whole connection, so the certificate must not change under
    // them; TLS 1.2 renegotiation could also make the server redo full handshakes on demand.
    socket.disableRenegotiation();
    const result = authorizer.authorizeSocket(socket);
    if (!result.ok && refusalMode === 'close') {
      callHook(config.onRefused, refusalEvent(result.refusal, result.identity, socket));
      socket.destroy();
    }
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    callHook(config.onTlsError, { code: error.code, remoteAddress: socket.remoteAddress });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const result = authorizer.authorizeSocket(req.socket as TLSSocket);
    if (!result.ok) {
      callHook(config.onRefused, refusalEvent(result.refusal, result.identity, req.socket as TLSSocket));
      sendRefusal(res, result.refusal);
      return;
    }
    setAuthorizedClient(req, result.client);
    config.handler(req, res);
  });

  return {
    server,
    get material() {
      return reloader ? reloader.current : fixed!;
    },
    async reload() {
      await reloader?.reload();
    },
    close() {
      reloader?.close();
      return new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
