import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { D1ClientError } from './errors.js';
import { sanitizeText } from './logger.js';
import { atPointer, deref, escapeToken, validationDocument } from './spec-documents.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * One ajv for every spec. Not strict: OpenAPI schemas carry keywords JSON Schema does not know (`example`,
 * `x-d1kit-*`, `discriminator` leftovers), which must be ignored rather than refused.
 */
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, discriminator: false });
addFormats(ajv);

const registered = new Set<string>();
const compiled = new Map<string, ValidateFunction>();

const schemaId = (spec: string) => `d1kit:${encodeURIComponent(spec)}`;

/** Compiles (once) the schema found at `pointer` inside the effective spec, with the spec's `$ref`s resolvable. */
export function compileAt(spec: string, pointer: string): ValidateFunction {
  const key = `${spec}#${pointer}`;
  let validate = compiled.get(key);
  if (validate) return validate;
  if (!registered.has(spec)) {
    ajv.addSchema(validationDocument(spec), schemaId(spec));
    registered.add(spec);
  }
  // The pointer tokens are already JSON-pointer escaped; a URI fragment also needs `{`, `}`, `:` encoded.
  const fragment = pointer.split('/').map(encodeURIComponent).join('/');
  try {
    validate = ajv.compile({ $ref: `${schemaId(spec)}#${fragment}` });
  } catch {
    throw new D1ClientError('CONFIG_INVALID', `the schema at ${pointer} in ${spec} cannot be compiled`);
  }
  compiled.set(key, validate);
  return validate;
}

/** A finding of a validator: where (JSON pointer into the value) and which keyword, plus a value-free text. */
export interface SchemaFinding {
  readonly pointer: string;
  readonly keyword: string;
  readonly message: string;
  /** The failing value was a string outside an `enum`/`const`: a value D1 may add later (forward compatible). */
  readonly unknownValue: boolean;
}

const LIMITS: Record<string, string> = {
  maxLength: 'longer than',
  minLength: 'shorter than',
  maxItems: 'more items than',
  minItems: 'fewer items than',
  maximum: 'greater than',
  minimum: 'less than',
  maxProperties: 'more properties than',
  minProperties: 'fewer properties than',
};

/**
 * Text for one ajv error built from the schema side only. ajv's own messages are not used: some of them
 * quote the data, and data here can be card numbers.
 */
function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required but missing';
    case 'additionalProperties':
      return 'is not a declared property';
    case 'type':
      return `must be of type ${String(params.type)}`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(params.allowedValue)}`;
    case 'oneOf':
      return 'must match exactly one of the allowed shapes';
    case 'anyOf':
      return 'must match one of the allowed shapes';
    default:
      if (error.keyword in LIMITS) return `is ${LIMITS[error.keyword]} ${String(params.limit)}`;
      return `breaks the ${error.keyword} rule`;
  }
}

/** Ajv errors as findings; `if` wrappers (from the discriminator rewrite) are dropped, their `then` errors kept. */
export function findings(errors: readonly ErrorObject[] | null | undefined, data: unknown): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    const extra =
      error.keyword === 'required'
        ? params.missingProperty
        : error.keyword === 'additionalProperties'
          ? params.additionalProperty
          : undefined;
    const pointer =
      typeof extra === 'string' ? `${error.instancePath}/${escapeToken(extra)}` : error.instancePath;
    const key = `${pointer}|${error.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const value =
      error.keyword === 'enum' || error.keyword === 'const' ? atPointer(data, pointer) : undefined;
    out.push({
      // Property names come from the data (an undeclared key, a key of a map): a hostile or broken peer
      // could name one with a card number, control characters or a megabyte of text.
      pointer: sanitizeText(pointer),
      keyword: error.keyword,
      message: describe(error),
      unknownValue: typeof value === 'string',
    });
  }
  return out;
}

/** Where an operation lives in its spec and the located objects of its parts. */
export interface OperationLocation {
  readonly spec: string;
  readonly method: string;
  readonly path: string;
}

export function operationPointer(location: OperationLocation): string {
  return `/paths/${escapeToken(location.path)}/${location.method.toLowerCase()}`;
}

export interface ParameterValidator {
  readonly name: string;
  readonly in: string;
  readonly required: boolean;
  readonly validate: ValidateFunction;
}

/** Validators for the path-level and operation-level parameters (the operation's win on a name clash). */
export function parameterValidators(location: OperationLocation): ParameterValidator[] {
  const document = validationDocument(location.spec);
  const operation = operationPointer(location);
  const pathItem = operation.slice(0, operation.lastIndexOf('/'));
  const byKey = new Map<string, ParameterValidator>();
  for (const base of [pathItem, operation]) {
    const list = atPointer(document, `${base}/parameters`);
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => {
      const found = deref(document, entry, `${base}/parameters/${index}`);
      if (!found || typeof found.node.name !== 'string' || typeof found.node.in !== 'string') return;
      const { name } = found.node;
      const where = found.node.in;
      byKey.set(`${where}:${name.toLowerCase()}`, {
        name,
        in: where,
        required: found.node.required === true,
        validate: compileAt(location.spec, `${found.pointer}/schema`),
      });
    });
  }
  return [...byKey.values()];
}

/** The schema pointer of the request body for a content type, when the spec declares one. */
export function requestBodySchemaPointer(
  location: OperationLocation,
  contentType: string,
): string | undefined {
  const document = validationDocument(location.spec);
  const base = `${operationPointer(location)}/requestBody`;
  const body = deref(document, atPointer(document, base), base);
  if (!body) return undefined;
  const pointer = `${body.pointer}/content/${escapeToken(contentType)}/schema`;
  return atPointer(document, pointer) === undefined ? undefined : pointer;
}

/** The declared response for a status: exact code, then `4XX`-style range, then `default`. */
export function responseFor(
  location: OperationLocation,
  status: number,
): { readonly key: string; readonly pointer: string; readonly contentTypes: readonly string[] } | undefined {
  const document = validationDocument(location.spec);
  const base = `${operationPointer(location)}/responses`;
  for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
    const found = deref(document, atPointer(document, `${base}/${key}`), `${base}/${key}`);
    if (!found) continue;
    const content = found.node.content;
    const contentTypes = content && typeof content === 'object' ? Object.keys(content) : [];
    return { key, pointer: found.pointer, contentTypes };
  }
  return undefined;
}
