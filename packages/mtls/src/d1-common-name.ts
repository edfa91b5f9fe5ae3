import { MtlsError } from './errors.js';

/** D1's environment codes as carried in the certificate CN: PreProd and Production. */
export type D1Environment = 'PPR' | 'PRD';

export const D1_ENVIRONMENTS: readonly D1Environment[] = ['PPR', 'PRD'];

/** What a D1 client-certificate CN says: who the issuer is and which environment the certificate is for. */
export interface D1CommonName {
  readonly issuerId: string;
  readonly environment: D1Environment;
}

/** Builds and reads D1 CNs for one template; see `createD1CommonNameFormat`. */
export interface D1CommonNameFormat {
  readonly template: string;
  format(value: D1CommonName): string;
  /** The issuerId and environment of a CN written in this format, or undefined for any other CN. */
  parse(commonName: string): D1CommonName | undefined;
}

/**
 * d1kit's default CN layout. ASSUMPTION (contract gap 39): Thales enforces a CN that holds the issuerId
 * and PPR|PRD but has not published the exact string; a sister product shows CNs starting `TLSMA-RSA/`.
 * Use the exact template from your onboarding pack, e.g. `createD1CommonNameFormat('TLSMA-RSA/{issuerId}-{env}')`.
 */
export const DEFAULT_D1_COMMON_NAME_TEMPLATE = 'D1-{issuerId}-{env}';

/**
 * issuerIds are exactly 10 characters (contract 9.2). No character set is published; this follows the
 * pattern of D1's other identifiers. ASSUMPTION, documented in the README.
 */
const ISSUER_ID = /^[A-Za-z0-9_-]{10}$/;
const TEMPLATE_LITERAL = /^[A-Za-z0-9 ._/:-]*$/;
/** X.520 upper bound for a commonName. */
const MAX_COMMON_NAME_LENGTH = 64;

export function isD1IssuerId(value: unknown): value is string {
  return typeof value === 'string' && ISSUER_ID.test(value);
}

export function isD1Environment(value: unknown): value is D1Environment {
  return value === 'PPR' || value === 'PRD';
}

/**
 * A CN format from a template holding `{issuerId}` and `{env}` once each; the rest is literal text
 * (letters, digits, space and `._/:-`). Parsing is exact: the whole CN must match the template.
 */
export function createD1CommonNameFormat(
  template: string = DEFAULT_D1_COMMON_NAME_TEMPLATE,
): D1CommonNameFormat {
  const parts = splitTemplate(template);
  const pattern = new RegExp(
    `^${parts.map((part) => (part === '{issuerId}' ? '([A-Za-z0-9_-]{10})' : part === '{env}' ? '(PPR|PRD)' : escapeRegExp(part))).join('')}$`,
  );
  const issuerFirst = parts.indexOf('{issuerId}') < parts.indexOf('{env}');

  return {
    template,
    format(value) {
      if (!isD1IssuerId(value.issuerId)) {
        throw new MtlsError(
          'MTLS_INVALID_COMMON_NAME',
          'issuerId must be exactly 10 characters of A-Z, a-z, 0-9, _ or -',
        );
      }
      if (!isD1Environment(value.environment)) {
        throw new MtlsError('MTLS_INVALID_COMMON_NAME', 'environment must be PPR or PRD');
      }
      const commonName = parts
        .map((part) => (part === '{issuerId}' ? value.issuerId : part === '{env}' ? value.environment : part))
        .join('');
      if (commonName.length > MAX_COMMON_NAME_LENGTH) {
        throw new MtlsError(
          'MTLS_INVALID_COMMON_NAME',
          `the CN would be longer than ${MAX_COMMON_NAME_LENGTH} characters`,
        );
      }
      return commonName;
    },
    parse(commonName) {
      if (typeof commonName !== 'string' || commonName.length > MAX_COMMON_NAME_LENGTH) return undefined;
      const match = pattern.exec(commonName);
      if (!match) return undefined;
      const [issuerId, environment] = issuerFirst ? [match[1], match[2]] : [match[2], match[1]];
      return { issuerId: issuerId!, environment: environment as D1Environment };
    },
  };
}

const defaultFormat = createD1CommonNameFormat();

export function formatD1CommonName(value: D1CommonName, format: D1CommonNameFormat = defaultFormat): string {
  return format.format(value);
}

export function parseD1CommonName(
  commonName: string,
  format: D1CommonNameFormat = defaultFormat,
): D1CommonName | undefined {
  return format.parse(commonName);
}

function splitTemplate(template: string): string[] {
  if (typeof template !== 'string') {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'the D1 CN template must be a string');
  }
  const parts = template.split(/(\{[^}]*\})/).filter((part) => part !== '');
  const placeholders = parts.filter((part) => part.startsWith('{'));
  const count = (name: string) => placeholders.filter((part) => part === name).length;
  if (count('{issuerId}') !== 1 || count('{env}') !== 1 || placeholders.length !== 2) {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'the D1 CN template must contain {issuerId} and {env} exactly once and no other placeholder',
    );
  }
  const literals = parts.filter((part) => !part.startsWith('{'));
  if (!literals.every((part) => TEMPLATE_LITERAL.test(part))) {
    throw new MtlsError(
      'MTLS_INVALID_OPTIONS',
      'the D1 CN template may only contain letters, digits, space and ._/:- besides its placeholders',
    );
  }
  // Two placeholders side by side still parse unambiguously: the issuerId has a fixed length.
  return parts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
