import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  type AuthorizedClient,
  type ClientCertAuthorizer,
  type ClientCertPolicy,
  createClientCertAuthorizer,
} from './authorizer.js';
import { callHook, type RefusalEvent, refusalEvent, sendRefusal } from './refusal.js';

declare global {
  // Express exposes its Request type for augmentation only through this global namespace.
  namespace Express {
    interface Request {
      /** Set by `clientCertAuth` (and `createMtlsServer`) once the client certificate is authorized. */
      clientIdentity?: AuthorizedClient;
    }
  }
}

export interface ClientCertAuthOptions {
  /** Called for every refused request, e.g. to log it. Must not throw. */
  readonly onRefused?: (event: RefusalEvent) => void;
}

const AUTHORIZED = Symbol('d1kit.mtls.authorizedClient');

/**
 * Express middleware: admits a request only when its TLS client certificate passes the policy, and
 * exposes the verified identity as `req.clientIdentity`; otherwise answers 403 `{ error, message }`.
 */
export function clientCertAuth(
  policy: ClientCertPolicy | ClientCertAuthorizer,
  options: ClientCertAuthOptions = {},
): RequestHandler {
  const authorizer = 'authorizeSocket' in policy ? policy : createClientCertAuthorizer(policy);
  return (req: Request, res: Response, next: NextFunction) => {
    const result = authorizer.authorizeSocket(req.socket as TLSSocket);
    if (result.ok) {
      setAuthorizedClient(req, result.client);
      next();
      return;
    }
    callHook(options.onRefused, refusalEvent(result.refusal, result.identity, req.socket as TLSSocket));
    sendRefusal(res, result.refusal);
  };
}

/** Attaches the identity; also reachable through `getClientIdentity` for code that avoids the global type. */
export function setAuthorizedClient(req: object, client: AuthorizedClient): void {
  (req as { clientIdentity?: AuthorizedClient }).clientIdentity = client;
  (req as Record<symbol, AuthorizedClient>)[AUTHORIZED] = client;
}

/**
 * The identity that this package verified for the request, or undefined. Reads a symbol-keyed copy so a
 * handler cannot be fooled by other code that wrote `req.clientIdentity`.
 */
export function getClientIdentity(req: object): AuthorizedClient | undefined {
  return (req as Record<symbol, AuthorizedClient | undefined>)[AUTHORIZED];
}
