import { loadEffectiveSpec, type SpecName, specs } from '@d1kit/generated';
import type { DecryptionKeySet } from '@d1kit/jwe';
import {
  createMtlsServer,
  type DevPki,
  d1CommonNameRule,
  getClientIdentity,
  type MtlsServer,
} from '@d1kit/mtls';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { type Fault, FaultPlan } from './faults.js';
import { CardSimulator } from './simulator.js';
import { type ProvisionedAssertionKey, TokenAuthority } from './token-endpoint.js';

export interface D1TestServerOptions {
  /** Certificates: the server's, and the CA its clients' certificates must chain to (createDevPki). */
  readonly pki: DevPki;
  /** The issuerId clients call for; their certificate CN must carry it (D1 sets mTLS up per issuer). */
  readonly issuerId: string;
  readonly assertionKey: ProvisionedAssertionKey;
  /** D1's private JWE keys, to decrypt card data. */
  readonly d1Keys: DecryptionKeySet;
  readonly audience?: string;
  readonly tokenLifetimeSeconds?: number;
  /** Also check the simulator's own answers against the specs. Default true. */
  readonly validateResponses?: boolean;
}

/** One request as it reached the server, before any check: what tests assert "was (not) sent" with. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly correlationId: string | undefined;
  readonly authorization: boolean;
  operationId: string | undefined;
}

export interface D1TestServer {
  /** `https://localhost:<port>`: the client's `environment`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly simulator: CardSimulator;
  readonly tokens: TokenAuthority;
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** What express-openapi-validator leaves on the request. */
interface OpenApiRequestMeta {
  readonly schema?: { readonly operationId?: string };
  readonly pathParams?: Record<string, string>;
}

type SpecDocument = Record<string, unknown> & {
  servers?: unknown;
  components?: { schemas?: Record<string, Record<string, unknown>> };
};

/** The effective spec for express-openapi-validator, mounted at its own server path. */
function specForValidator(name: SpecName, basePath: string): SpecDocument {
  const document = loadEffectiveSpec(name) as SpecDocument;
  document.servers = [{ url: basePath }];
  return document;
}

function errorBody(error: { status?: number; message?: string }): {
  status: number;
  body: Record<string, string>;
} {
  const status =
    typeof error.status === 'number' && error.status >= 400 && error.status < 600 ? error.status : 500;
  const code =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 404
        ? 'NOT_FOUND'
        : status === 405
          ? 'METHOD_NOT_ALLOWED'
          : status === 400
            ? 'INVALID_REQUEST'
            : 'INTERNAL_ERROR';
  return {
    status,
    body: { code, message: status === 500 ? 'internal error' : String(error.message ?? code) },
  };
}

/**
 * A local stand-in for D1's inbound APIs, assembled from the specs: HTTPS with mTLS (client certificates
 * must carry the issuerId), every request checked by express-openapi-validator against the effective
 * specs, a real token endpoint and real JWE decryption behind it. Reusable by other packages' tests.
 */
export async function createD1TestServer(options: D1TestServerOptions): Promise<D1TestServer> {
  const tokens = new TokenAuthority({
    issuerId: options.issuerId,
    assertionKey: options.assertionKey,
    ...(options.audience ? { audience: options.audience } : {}),
    ...(options.tokenLifetimeSeconds ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
  });
  const simulator = new CardSimulator(options.d1Keys);
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const record: RecordedRequest = {
      method: req.method,
      url: req.originalUrl,
      correlationId: req.get('x-correlation-id'),
      authorization: req.get('authorization') !== undefined,
      operationId: undefined,
    };
    requests.push(record);
    (req as Request & { record?: RecordedRequest }).record = record;
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  const inbound = Object.values(specs).filter((spec) => spec.direction === 'inbound');
  const mounted = inbound
    .map((spec) => ({
      name: spec.name as SpecName,
      basePath: new URL(spec.servers[0]!.url).pathname.replace(/\/$/, ''),
    }))
    // /banking/v1 before /banking: a router mounted at /banking would also see /banking/v1 requests.
    .sort((a, b) => b.basePath.length - a.basePath.length);
  for (const { name, basePath } of mounted) {
    const router = express.Router();
    router.use(
      OpenApiValidator.middleware({
        apiSpec: specForValidator(name, basePath) as never,
        validateRequests: true,
        validateResponses: options.validateResponses ?? true,
        validateSecurity: {
          handlers: { bearerAuth: (req) => tokens.verifyBearer(req.headers.authorization) },
        },
      }) as never,
    );
    router.use(async (req: Request, res: Response, next: NextFunction) => {
      try {
        const openapi = (req as Request & { openapi?: OpenApiRequestMeta }).openapi;
        const operationId = openapi?.schema?.operationId;
        if (!operationId) throw Object.assign(new Error('not found'), { status: 404 });
        const record = (req as Request & { record?: RecordedRequest }).record;
        if (record) record.operationId = operationId;
        res.setHeader('x-correlation-id', req.get('x-correlation-id') ?? 'none');
        const fault = faults.take(operationId);
        if (fault && (await faults.apply(fault, res))) return;
        if (operationId === 'getToken') {
          const outcome = await tokens.grant((req.body as { assertion?: unknown }).assertion);
          res.status(outcome.ok ? 200 : outcome.status).json(outcome.body);
          return;
        }
        const client = getClientIdentity(req);
        const params = openapi?.pathParams ?? {};
        if (client?.d1 && params.issuerId !== client.d1.issuerId) {
          res
            .status(403)
            .json({ code: 'ISSUER_MISMATCH', message: 'the certificate belongs to another issuer' });
          return;
        }
        const reply = await simulator.handle({
          operationId,
          params,
          body: req.body as Record<string, unknown> | undefined,
        });
        if (reply.body === undefined) res.status(reply.status).end();
        else res.status(reply.status).json(reply.body);
      } catch (error) {
        next(error);
      }
    });
    router.use(
      (error: { status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
        const { status, body } = errorBody(error);
        res.status(status).json(body);
      },
    );
    app.use(basePath, router);
  }
  app.use((_req: Request, res: Response) =>
    res.status(404).json({ code: 'NOT_FOUND', message: 'no such path' }),
  );

  const mtls: MtlsServer = await createMtlsServer({
    tls: options.pki.serverTls,
    policy: { rules: [d1CommonNameRule({ issuerIds: [options.issuerId] })] },
    handler: app,
  });
  await new Promise<void>((resolve) => mtls.server.listen(0, '127.0.0.1', resolve));
  const { port } = mtls.server.address() as { port: number };
  return {
    url: `https://localhost:${port}`,
    requests,
    simulator,
    tokens,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    async close() {
      faults.clear();
      mtls.server.closeAllConnections?.();
      await mtls.close();
    },
  };
}
