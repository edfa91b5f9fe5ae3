import type { ValidateFunction } from 'ajv';
import { atPointer, escapeToken, validationDocument } from './spec-documents.js';
import type { ReceivedBody } from './transport.js';
import { compileAt, findings, type OperationLocation, responseFor } from './validators.js';

/** One place where D1's answer differs from the spec. Reported, never thrown: the response is still returned. */
export interface ResponseDrift {
  readonly operationId: string;
  readonly status: number;
  /** RFC 6901 pointer into the response body ('' for the body as a whole). */
  readonly pointer: string;
  /** Built from the schema only; never quotes the value. */
  readonly message: string;
}

/** A string D1 sent outside a declared enum: expected from time to time (contract 9.3), so only noted. */
export interface UnknownEnumValue {
  readonly operationId: string;
  readonly status: number;
  readonly pointer: string;
}

export interface DriftCheck {
  readonly drift: ResponseDrift[];
  readonly unknownValues: UnknownEnumValue[];
}

const MAX_FINDINGS = 20;
const isJsonType = (type: string) => /^application\/(.+\+)?json$/i.test(type.split(';')[0]!.trim());

/** What the spec declares for one (operation, status), worked out once. */
interface Expectation {
  readonly declaredKey: string | undefined;
  readonly jsonType: string | undefined;
  readonly validate: ValidateFunction | undefined;
}

const expectations = new Map<string, Expectation>();

function expectationFor(
  location: OperationLocation & { readonly operationId: string },
  status: number,
): Expectation {
  const key = `${location.spec} ${location.operationId} ${status}`;
  let expectation = expectations.get(key);
  if (expectation) return expectation;
  const declared = responseFor(location, status);
  const jsonType = declared?.contentTypes.find(isJsonType);
  let validate: ValidateFunction | undefined;
  if (declared && jsonType) {
    const schemaPointer = `${declared.pointer}/content/${escapeToken(jsonType)}/schema`;
    if (atPointer(validationDocument(location.spec), schemaPointer) !== undefined) {
      validate = compileAt(location.spec, schemaPointer);
    }
  }
  expectation = { declaredKey: declared?.key, jsonType, validate };
  expectations.set(key, expectation);
  return expectation;
}

/**
 * Compares a response with what the spec declares for its status. Unknown properties only count where
 * the schema closes the object; new enum values never count (D1 may add them at any time).
 */
export function checkResponse(
  location: OperationLocation & { readonly operationId: string },
  status: number,
  body: ReceivedBody,
): DriftCheck {
  const { operationId } = location;
  const drift: ResponseDrift[] = [];
  const unknownValues: UnknownEnumValue[] = [];
  const report = (pointer: string, message: string) => drift.push({ operationId, status, pointer, message });

  const { declaredKey, jsonType, validate } = expectationFor(location, status);
  if (declaredKey === undefined) {
    report('', `status ${status} is not declared`);
    return { drift, unknownValues };
  }
  if (declaredKey === 'default' && status >= 200 && status < 300) {
    report('', `success status ${status} is not declared`);
  }
  if (body.kind === 'empty') {
    if (jsonType && status >= 200 && status < 300) report('', 'the body is empty but the spec declares one');
    return { drift, unknownValues };
  }
  if (body.kind === 'other') {
    const type = body.contentType ?? 'none';
    report('', jsonType ? `the body is not JSON (content type ${type})` : 'the spec declares no body');
    return { drift, unknownValues };
  }
  if (!jsonType) {
    report('', 'the spec declares no JSON body for this status');
    return { drift, unknownValues };
  }
  if (!validate || validate(body.value)) return { drift, unknownValues };
  for (const finding of findings(validate.errors, body.value)) {
    if (finding.unknownValue) unknownValues.push({ operationId, status, pointer: finding.pointer });
    else if (drift.length < MAX_FINDINGS) report(finding.pointer, finding.message);
  }
  return { drift, unknownValues };
}
