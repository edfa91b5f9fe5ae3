import { IncomingMessage } from 'node:http';
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

// Per request, keyed by the request object: adding properties to a Node request costs microseconds (its
// shape changes), a WeakMap entry does not. Entries go with their requests.
const verified = new WeakMap<object, AuthorizedClient>();

// `req.clientIdentity` is served by an accessor on Express's request prototype (`express.request`, the
// object every app's `app.request` derives from, meant for extending requests), so it is not a new
// property on every request. It reads what this package verified for that request, so a request it did not
// admit reads undefined as before, also after Express moves the request between a sub-app's and its
// parent's prototypes. Writing it makes an own property, as before; `getClientIdentity` never reads that.
// Plain Node requests (prototype IncomingMessage.prototype) keep getting an own property instead.
const prototypesChecked = new WeakMap<object, boolean>();
const IDENTITY_ACCESSOR: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object) {
    return verified.get(this);
  },
  set(this: object, value: unknown) {
    Object.defineProperty(this, 'clientIdentity', {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  },
};

function servedByAccessor(req: object): boolean {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === null) return false;
  const known = prototypesChecked.get(proto);
  if (known !== undefined) return known;
  // The object directly below IncomingMessage.prototype in the chain, when it is not that prototype itself.
  let target: object | null = proto === IncomingMessage.prototype ? null : proto;
  while (target !== null && Object.getPrototypeOf(target) !== IncomingMessage.prototype) {
    target = Object.getPrototypeOf(target) as object | null;
  }
  if (target !== null && !Object.hasOwn(target, 'clientIdentity')) {
    Object.defineProperty(target, 'clientIdentity', IDENTITY_ACCESSOR);
  }
  // Served only when the name resolves to this accessor (nothing nearer the request shadows it).
  let holder: object | null = proto;
  while (holder !== null && !Object.hasOwn(holder, 'clientIdentity')) {
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  const served =
    target !== null &&
    holder !== null &&
    Object.getOwnPropertyDescriptor(holder, 'clientIdentity')?.get === IDENTITY_ACCESSOR.get;
  prototypesChecked.set(proto, served);
  return served;
}

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
  verified.set(req, client);
  if (!servedByAccessor(req) || Object.hasOwn(req, 'clientIdentity')) {
    (req as { clientIdentity?: AuthorizedClient }).clientIdentity = client;
  }
}

/**
 * The identity that this package verified for the request, or undefined. Reads its own record so a
 * handler cannot be fooled by other code that wrote `req.clientIdentity`.
 */
export function getClientIdentity(req: object): AuthorizedClient | undefined {
  return typeof req === 'object' && req !== null ? verified.get(req) : undefined;
}
