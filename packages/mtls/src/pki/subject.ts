import { MtlsError } from '../errors.js';
import { x509 } from '../x509.js';

/** The subject fields D1 asks for in the onboarding CSR (contract 10.1), besides the CN. */
export interface SubjectFields {
  /** ISO 3166 two-letter country code, e.g. `FR`. */
  readonly country?: string;
  readonly state?: string;
  readonly locality?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
}

/** X.520 upper bounds. */
const LIMITS = {
  state: 128,
  locality: 128,
  organization: 64,
  organizationalUnit: 64,
  commonName: 64,
} as const;
const CONTROL = /[\p{Cc}\p{Cf}]/u;
/** X.680 PrintableString characters. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

type AttributeValue = { printableString: string } | { utf8String: string };

/**
 * The value with an explicit string type. Given a plain string, @peculiar/x509 reads `#…` as raw DER
 * and strips quotes and backslash escapes, so the certificate would not say what was typed.
 */
function literal(value: string): AttributeValue {
  return PRINTABLE.test(value) ? { printableString: value } : { utf8String: value };
}

/** The subject name, in the conventional order C, ST, L, O, OU, CN, with every value taken literally. */
export function buildSubject(fields: SubjectFields, commonName: string): InstanceType<typeof x509.Name> {
  const name: Record<string, AttributeValue[]>[] = [];
  if (fields.country !== undefined) {
    if (typeof fields.country !== 'string' || !/^[A-Z]{2}$/.test(fields.country)) {
      throw new MtlsError(
        'MTLS_INVALID_SUBJECT',
        'country (C) must be a two-letter ISO 3166 code in capitals, e.g. FR',
      );
    }
    name.push({ C: [{ printableString: fields.country }] });
  }
  const text = (value: string | undefined, label: string, limit: number, type: string) => {
    if (value === undefined) return;
    if (typeof value !== 'string' || value.trim() === '' || value !== value.trim()) {
      throw new MtlsError(
        'MTLS_INVALID_SUBJECT',
        `${label} must be non-empty text without surrounding spaces`,
      );
    }
    if (value.length > limit || CONTROL.test(value)) {
      throw new MtlsError('MTLS_INVALID_SUBJECT', `${label} must be at most ${limit} printable characters`);
    }
    name.push({ [type]: [literal(value)] });
  };
  text(fields.state, 'state (ST)', LIMITS.state, 'ST');
  text(fields.locality, 'locality (L)', LIMITS.locality, 'L');
  text(fields.organization, 'organization (O)', LIMITS.organization, 'O');
  text(fields.organizationalUnit, 'organizational unit (OU)', LIMITS.organizationalUnit, 'OU');
  text(commonName, 'common name (CN)', LIMITS.commonName, 'CN');
  if (commonName === undefined) throw new MtlsError('MTLS_INVALID_SUBJECT', 'a common name (CN) is required');
  return new x509.Name(name);
}
