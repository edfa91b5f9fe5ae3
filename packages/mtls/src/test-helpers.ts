// Shared by this package's tests only (excluded from the build): one HTTPS request over a fresh
// connection, reported as a status and body or as the error code that ended it.
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface RequestOutcome {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: import('node:http').IncomingHttpHeaders;
  readonly errorCode?: string;
  /** OpenSSL's reason text, e.g. `tlsv1 alert protocol version`. */
  readonly errorMessage?: string;
  /** SHA-256 fingerprint of the server certificate seen on this connection. */
  readonly serverFingerprint?: string;
  readonly protocol?: string | null;
}

export interface OnceOptions {
  readonly port: number;
  readonly path?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly ca: string;
  readonly minVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
}

export function requestOnce(options: OnceOptions): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: options.port,
        path: options.path ?? '/',
        agent: false,
        ca: options.ca,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
        ...(options.minVersion ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.ciphers ? { ciphers: options.ciphers } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const serverFingerprint = socket.getPeerCertificate().fingerprint256;
        const protocol = socket.getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, serverFingerprint, protocol }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => resolve(failure(error)));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(failure(error)));
    req.end();
  });
}

function failure(error: NodeJS.ErrnoException): RequestOutcome {
  return { errorCode: error.code ?? 'ERROR', errorMessage: error.message };
}

export function listen(server: import('node:https').Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
