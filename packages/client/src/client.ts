import { operations } from '@d1kit/generated';
import { importRecipientKey, type KeyInput, RecipientKey } from '@d1kit/jwe';
import { createMtlsAgent, type MtlsAgentOptions, type TlsMaterial } from '@d1kit/mtls';
import {
  createAssertionSigner,
  createTokenProvider,
  type SigningKeyInput,
  type TokenProvider,
} from '@d1kit/token';
import type { Dispatcher } from 'undici';
import { type CallContext, callOperation, type RawCallInput } from './call.js';
import { buildGroups } from './convenience.js';
import type { ResponseDrift } from './drift.js';
import { resolveEndpoint, specBaseUrl } from './environments.js';
import { D1ClientError, safeIdentifier } from './errors.js';
import { type D1Logger, safeLogger } from './logger.js';
import { inboundOperations, operationRuntime } from './operation-runtime.js';
import { newCorrelationId } from './request-input.js';
import { DEFAULT_RETRY, type RetryOptions, resolveRetryOptions } from './retry.js';
import { Transport } from './transport.js';
import type { D1Groups, D1Result, InboundOperationId, RequestInput } from './types.js';

export interface D1ClientOptions {
  /** `production`, `staging`, `develop`, or an https base URL such as a local simulator's origin. */
  readonly environment: 'production' | 'staging' | 'develop' | (string & {});
  /** The 10-character issuerId Thales assigned; used in every path and as the assertion's `iss`/`sub`. */
  readonly issuerId: string;
  /** Client certificate, key and the CA to pin for D1 (an mTLS agent is built from it), or ... */
  readonly tls?: TlsMaterial;
  readonly tlsOptions?: MtlsAgentOptions;
  /** ... your own undici dispatcher (for example one from createMtlsAgent). Exactly one of tls and dispatcher. */
  readonly dispatcher?: Dispatcher;
  /** The ES256 key (and its kid) D1 knows, to sign JWT-bearer assertions; or ... */
  readonly assertionKey?: SigningKeyInput;
  /** `aud` of the assertions; default: the environment's, none for a base URL (contract gap 1). `null` leaves it out. */
  readonly assertionAudience?: string | null;
  /** ... a token provider you built (createTokenProvider from @d1kit/token). */
  readonly tokenProvider?: TokenProvider;
  /** D1's public encryption key (RecipientKey, JWK with kid, or PEM + d1EncryptionKid). Needed to send card data. */
  readonly d1EncryptionKey?: RecipientKey | KeyInput;
  readonly d1EncryptionKid?: string;
  /** Per attempt, ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Retry options, or false for one attempt. Defaults: 3 attempts, 200 ms base, 5 s cap, Retry-After up to 30 s. */
  readonly retry?: Partial<RetryOptions> | false;
  readonly logger?: D1Logger;
  /** Check responses against the spec and report drift. Default: on, except in production. */
  readonly validateResponses?: boolean;
  readonly onDrift?: (drift: readonly ResponseDrift[]) => void;
  /** Check the Luhn digit of PANs before encrypting them. Default true. */
  readonly checkPanLuhn?: boolean;
}

/** `d1.request(operationId, input)`: any inbound operation by its operationId. */
export type D1Request = <K extends InboundOperationId>(
  operationId: K,
  input: RequestInput<K>,
) => Promise<D1Result<K>>;

export interface D1ClientCore {
  readonly request: D1Request;
  /** The token provider in use (for example to warm the cache at start-up). */
  readonly tokenProvider: TokenProvider | undefined;
  readonly issuerId: string;
  /** Closes the mTLS agent the client built from `tls` (a dispatcher you passed is left to you). */
  close(): Promise<void>;
}

export type D1Client = Omit<D1Groups, keyof D1ClientCore> & D1ClientCore;

/** Checked against the spec's `issuerId` parameter (length 10) now, so a typo fails at start-up. */
function issuerIdOf(value: unknown): string {
  const withIssuer = inboundOperations().find((meta) => meta.parameters.some((p) => p.name === 'issuerId'));
  const parameter = withIssuer
    ? operationRuntime(withIssuer.operationId).parameters.find((p) => p.name === 'issuerId')
    : undefined;
  if (typeof value !== 'string' || (parameter ? !parameter.validate(value) : value.length === 0)) {
    throw new D1ClientError(
      'CONFIG_INVALID',
      'issuerId does not match the spec (10 characters, assigned by Thales)',
    );
  }
  return value;
}

function recipientLoader(options: D1ClientOptions): () => Promise<RecipientKey> {
  const input = options.d1EncryptionKey;
  if (input === undefined)
    return () => Promise.reject(new D1ClientError('CONFIG_INVALID', 'no d1EncryptionKey'));
  if (input instanceof RecipientKey) return () => Promise.resolve(input);
  const loading = importRecipientKey(
    input,
    options.d1EncryptionKid ? { kid: options.d1EncryptionKid } : {},
  ).catch(() => {
    throw new D1ClientError('CONFIG_INVALID', 'd1EncryptionKey is not a usable P-256 public key with a kid');
  });
  loading.catch(() => {}); // reported on first use, not as an unhandled rejection
  return () => loading;
}

/** Runs a constructor from another d1kit package; its typed error becomes CONFIG_INVALID naming the option. */
function wrapConfig<T>(option: string, build: () => T, cleanup?: { close(): Promise<void> }): T {
  try {
    return build();
  } catch (error) {
    void cleanup?.close();
    const reason = safeIdentifier((error as { code?: unknown })?.code);
    throw new D1ClientError('CONFIG_INVALID', `${option} is not usable`, reason ? { reason } : {});
  }
}

/**
 * A client for every inbound D1 operation: mTLS on every call, bearer tokens from the token provider,
 * card data encrypted for D1, inputs checked against the spec before anything is sent.
 */
export function createD1Client(options: D1ClientOptions): D1Client {
  if (!options || typeof options !== 'object')
    throw new D1ClientError('CONFIG_INVALID', 'options are required');
  const endpoint = resolveEndpoint(options.environment);
  const issuerId = issuerIdOf(options.issuerId);
  if ((options.tls === undefined) === (options.dispatcher === undefined)) {
    throw new D1ClientError('CONFIG_INVALID', 'give exactly one of tls and dispatcher');
  }
  if (options.assertionKey !== undefined && options.tokenProvider !== undefined) {
    throw new D1ClientError('CONFIG_INVALID', 'give assertionKey or tokenProvider, not both');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000) {
    throw new D1ClientError('CONFIG_INVALID', 'timeoutMs must be a number of milliseconds from 1 to 600000');
  }
  const retry = options.retry === undefined ? DEFAULT_RETRY : resolveRetryOptions(options.retry);
  const log = safeLogger(options.logger);
  const tokenProvider = options.assertionKey === undefined ? options.tokenProvider : undefined;
  // Built last, once every other option passed, so a refused option cannot leak an open agent.
  const ownAgent = options.tls
    ? wrapConfig('tls', () => createMtlsAgent(options.tls!, options.tlsOptions))
    : undefined;
  const dispatcher = (ownAgent ?? options.dispatcher)!;
  const provider =
    options.assertionKey === undefined
      ? tokenProvider
      : wrapConfig(
          'assertionKey',
          () => {
            const signer = createAssertionSigner({
              issuerId,
              key: options.assertionKey!,
              ...(endpoint.environment ? { environment: endpoint.environment } : {}),
              ...(options.assertionAudience !== undefined ? { audience: options.assertionAudience } : {}),
            });
            const token = operations.getToken;
            return createTokenProvider({
              signer,
              tokenUrl: `${specBaseUrl(endpoint, token.spec)}${token.path}`,
              dispatcher,
              correlationId: newCorrelationId,
              onBackgroundRefreshError: (error) =>
                log('warn', 'd1.token.refresh_failed', { code: error.code }),
            });
          },
          ownAgent,
        );
  const context: CallContext = {
    transport: new Transport((spec) => specBaseUrl(endpoint, spec), dispatcher),
    issuerId,
    tokenProvider: provider,
    recipientKey: recipientLoader(options),
    hasRecipientKey: options.d1EncryptionKey !== undefined,
    timeoutMs,
    retry,
    validateResponses: options.validateResponses ?? endpoint.environment !== 'production',
    luhn: options.checkPanLuhn ?? true,
    log,
    logging: options.logger !== undefined,
    onDrift: options.onDrift,
    now: () => performance.now(),
    random: Math.random,
  };
  const call = (operationId: string, input: RawCallInput) => callOperation(context, operationId, input);
  const request = call as unknown as D1Request;
  const core: D1ClientCore = {
    request,
    tokenProvider: provider,
    issuerId,
    async close() {
      await ownAgent?.close();
    },
  };
  return Object.freeze({ ...buildGroups(call), ...core }) as unknown as D1Client;
}
