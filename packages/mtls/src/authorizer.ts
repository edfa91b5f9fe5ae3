import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  createD1CommonNameFormat,
  type D1CommonName,
  type D1CommonNameFormat,
  type D1Environment,
  isD1Environment,
  isD1IssuerId,
} from './d1-common-name.js';
import { MtlsError } from './errors.js';
import {
  type ClientIdentity,
  EKU_CLIENT_AUTH,
  nameAttributes,
  normalizeFingerprint,
  peerIdentity,
} from './identity.js';
import { x509 } from './x509.js';

/** A custom allow rule. Return true (or facts about the client) to admit, false to pass to the next rule. */
export interface ClientCertRule {
  readonly name: string;
  readonly match: (identity: ClientIdentity) => boolean | { readonly d1?: D1CommonName };
}

/**
 * Who may connect. A certificate is admitted when it carries the clientAuth EKU and matches at least one
 * entry of any list (the lists are alternatives). Values are compared exactly; DNs ignore attribute order.
 */
export interface ClientCertPolicy {
  /** Subject DNs, e.g. `CN=d1-outbound, O=Thales, C=FR` (RFC 4514 syntax). */
  readonly subjects?: readonly string[];
  readonly commonNames?: readonly string[];
  /** `DNS:host`, `IP:10.0.0.1`, `URI:spiffe://…` or `email:a@b`. */
  readonly subjectAltNames?: readonly string[];
  /** SHA-256 certificate fingerprints in hex, with or without colons. */
  readonly fingerprints?: readonly string[];
  readonly rules?: readonly ClientCertRule[];
  /** Default true: the certificate must list the clientAuth EKU. False also admits certificates with no EKU extension. */
  readonly requireClientAuthEku?: boolean;
}

export type ClientCertRefusal =
  | 'CLIENT_CERTIFICATE_REQUIRED'
  | 'CLIENT_CERTIFICATE_UNTRUSTED'
  | 'CLIENT_CERTIFICATE_UNREADABLE'
  | 'CLIENT_CERTIFICATE_EXPIRED'
  | 'CLIENT_CERTIFICATE_WRONG_USAGE'
  | 'CLIENT_CERTIFICATE_NOT_ALLOWED';

/** The verified identity of an admitted client, as exposed on `req.clientIdentity`. */
export interface AuthorizedClient {
  readonly identity: ClientIdentity;
  /** Which entry admitted it: `fingerprint`, `subject`, `commonName`, `subjectAltName` or `rule:<name>`. */
  readonly matchedBy: string;
  /** Set when a D1 CN rule admitted the client. */
  readonly d1?: D1CommonName;
}

export type AuthorizationResult =
  | { readonly ok: true; readonly client: AuthorizedClient }
  | { readonly ok: false; readonly refusal: ClientCertRefusal; readonly identity: ClientIdentity | null };

export interface ClientCertAuthorizer {
  authorize(identity: ClientIdentity, now?: Date): AuthorizationResult;
  /** Checks a TLS socket's peer; the static part of the verdict is cached per connection. */
  authorizeSocket(socket: TLSSocket, now?: Date): AuthorizationResult;
}

export function createClientCertAuthorizer(policy: ClientCertPolicy): ClientCertAuthorizer {
  const subjects = new Set((policy.subjects ?? []).map((dn) => canonicalDn(parseDnOption(dn))));
  const commonNames = new Set(policy.commonNames ?? []);
  const sans = new Set((policy.subjectAltNames ?? []).map(parseSanOption));
  const fingerprints = new Set((policy.fingerprints ?? []).map(parseFingerprintOption));
  const rules = [...(policy.rules ?? [])];
  const requireEku = policy.requireClientAuthEku ?? true;
  if (subjects.size + commonNames.size + sans.size + fingerprints.size + rules.length === 0) {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'the client-certificate policy allows nobody: add at least one entry',
    );
  }
  for (const rule of rules) {
    if (typeof rule?.match !== 'function' || typeof rule.name !== 'string') {
      throw new MtlsError('MTLS_INVALID_OPTIONS', 'every policy rule needs a name and a match function');
    }
  }

  function staticVerdict(identity: ClientIdentity): AuthorizationResult {
    const ekus = identity.extendedKeyUsages;
    if (ekus ? !ekus.includes(EKU_CLIENT_AUTH) : requireEku) {
      return { ok: false, refusal: 'CLIENT_CERTIFICATE_WRONG_USAGE', identity };
    }
    const admit = (matchedBy: string, d1?: D1CommonName): AuthorizationResult => ({
      ok: true,
      client: d1 ? { identity, matchedBy, d1 } : { identity, matchedBy },
    });
    if (fingerprints.has(identity.fingerprint256)) return admit('fingerprint');
    if (subjects.has(canonicalDn(identity.subjectAttributes))) return admit('subject');
    if (identity.commonName !== undefined && commonNames.has(identity.commonName)) return admit('commonName');
    if (identity.subjectAltNames.some((san) => sans.has(canonicalSan(san)))) return admit('subjectAltName');
    for (const rule of rules) {
      let verdict: ReturnType<ClientCertRule['match']>;
      try {
        verdict = rule.match(identity);
      } catch {
        verdict = false; // a failing rule admits nobody
      }
      if (verdict === true) return admit(`rule:${rule.name}`);
      if (verdict) return admit(`rule:${rule.name}`, verdict.d1);
    }
    return { ok: false, refusal: 'CLIENT_CERTIFICATE_NOT_ALLOWED', identity };
  }

  // The TLS layer has checked validity at handshake time; a keep-alive connection can outlive the
  // certificate, so the expiry is checked again on every call.
  // `now` is optional so that the per-request path reads the clock without allocating a Date.
  function withExpiry(result: AuthorizationResult, now: Date | undefined): AuthorizationResult {
    if (
      result.ok &&
      result.client.identity.validTo.getTime() < (now === undefined ? Date.now() : now.getTime())
    ) {
      return { ok: false, refusal: 'CLIENT_CERTIFICATE_EXPIRED', identity: result.client.identity };
    }
    return result;
  }

  const verdicts = new WeakMap<TLSSocket, AuthorizationResult>();

  return {
    authorize(identity, now) {
      return withExpiry(staticVerdict(identity), now);
    },
    authorizeSocket(socket, now) {
      let verdict = verdicts.get(socket);
      if (!verdict) {
        verdict = socketVerdict(socket, staticVerdict);
        verdicts.set(socket, verdict);
      }
      return withExpiry(verdict, now);
    },
  };
}

function socketVerdict(
  socket: TLSSocket,
  staticVerdict: (identity: ClientIdentity) => AuthorizationResult,
): AuthorizationResult {
  if (!socket || typeof socket.getPeerX509Certificate !== 'function') {
    return { ok: false, refusal: 'CLIENT_CERTIFICATE_REQUIRED', identity: null };
  }
  let identity: ClientIdentity | null;
  try {
    identity = peerIdentity(socket);
  } catch {
    // OpenSSL accepted a certificate that the X.509 parser cannot read: refuse rather than guess.
    return { ok: false, refusal: 'CLIENT_CERTIFICATE_UNREADABLE', identity: null };
  }
  if (!identity) return { ok: false, refusal: 'CLIENT_CERTIFICATE_REQUIRED', identity: null };
  // Only reachable when the server was built with rejectUnauthorized: false.
  if (!socket.authorized) return { ok: false, refusal: 'CLIENT_CERTIFICATE_UNTRUSTED', identity };
  return staticVerdict(identity);
}

export interface D1CommonNameRuleOptions {
  /** A format or a template string; defaults to d1kit's assumed layout (see `DEFAULT_D1_COMMON_NAME_TEMPLATE`). */
  readonly format?: D1CommonNameFormat | string;
  /** Admit only these issuerIds; default any well-formed one. */
  readonly issuerIds?: readonly string[];
  /** Admit only these environments; default both. A PreProd server should say `['PPR']`. */
  readonly environments?: readonly D1Environment[];
}

/** A rule that admits certificates whose CN follows the D1 format, exposing `{ issuerId, environment }`. */
export function d1CommonNameRule(options: D1CommonNameRuleOptions = {}): ClientCertRule {
  const format =
    typeof options.format === 'object'
      ? options.format
      : createD1CommonNameFormat(options.format ?? undefined);
  const issuerIds = options.issuerIds ? new Set(options.issuerIds) : undefined;
  const environments = new Set(options.environments ?? ['PPR', 'PRD']);
  for (const id of issuerIds ?? []) {
    if (!isD1IssuerId(id))
      throw new MtlsError('MTLS_INVALID_OPTIONS', 'a D1 issuerId must be exactly 10 characters');
  }
  for (const env of environments) {
    if (!isD1Environment(env)) throw new MtlsError('MTLS_INVALID_OPTIONS', 'D1 environments are PPR and PRD');
  }
  return {
    name: 'd1-common-name',
    match(identity) {
      const parsed = identity.commonName === undefined ? undefined : format.parse(identity.commonName);
      if (!parsed) return false;
      if (issuerIds && !issuerIds.has(parsed.issuerId)) return false;
      if (!environments.has(parsed.environment)) return false;
      return { d1: parsed };
    },
  };
}

function parseDnOption(dn: string): { type: string; value: string }[] {
  if (typeof dn !== 'string' || dn.trim() === '' || dn.trim().startsWith('/')) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'a subject DN must be written like `CN=name, O=Org, C=FR`');
  }
  let attributes: { type: string; value: string }[];
  try {
    attributes = nameAttributes(new x509.Name(dn));
  } catch (error) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'a subject DN in the policy cannot be parsed', {
      cause: error,
    });
  }
  if (attributes.length === 0) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'a subject DN in the policy cannot be parsed');
  }
  return attributes;
}

function canonicalDn(attributes: readonly { type: string; value: string }[]): string {
  return JSON.stringify(attributes.map(({ type, value }) => [type, value]).sort());
}

function parseSanOption(san: string): string {
  const match = typeof san === 'string' ? /^(DNS|IP|URI|email):(.+)$/i.exec(san.trim()) : null;
  if (!match) {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'a subjectAltName entry must look like DNS:x, IP:x, URI:x or email:x',
    );
  }
  const [, kind, value] = match as unknown as [string, string, string];
  if (kind.toUpperCase() === 'IP' && isIP(value) === 0) {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'an IP subjectAltName entry must hold an IPv4 or IPv6 address',
    );
  }
  return canonicalSan(`${kind}:${value}`);
}

/** Kind names and DNS names are case-insensitive; URIs and e-mail addresses are kept as written. */
function canonicalSan(san: string): string {
  const separator = san.indexOf(':');
  const kind = san.slice(0, separator).toUpperCase();
  const value = san.slice(separator + 1);
  if (kind === 'DNS') return `DNS:${value.toLowerCase()}`;
  // IPv6 has many spellings (`::1`, `0:0:0:0:0:0:0:1`); the URL parser prints the compressed one.
  if (kind === 'IP' && isIP(value) === 6) return `IP:${new URL(`http://[${value}]/`).hostname.slice(1, -1)}`;
  return `${kind}:${value}`;
}

function parseFingerprintOption(fingerprint: string): string {
  const normalized = typeof fingerprint === 'string' ? normalizeFingerprint(fingerprint) : '';
  if (!/^[0-9a-f]{64}$/.test(normalized)) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'a fingerprint must be a SHA-256 digest: 64 hex digits');
  }
  return normalized;
}
