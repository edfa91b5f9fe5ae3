// The metadata types of @d1kit/generated. The generator copies this file verbatim to generated/src/meta.ts
// and types its own output with it, so the shape is written once.
export type Direction = 'inbound' | 'outbound';

/** A field that travels as a compact JWE, with the schema of what it carries. */
export interface JweFieldMeta {
  readonly in: 'request' | 'response';
  /** Response status code (as written in the spec) for response fields. */
  readonly status?: string;
  readonly contentType: string;
  /** JSON pointer into the body; `*` stands for any array index. */
  readonly pointer: string;
  /** Name of the plaintext schema (a key of plaintextSchemas). */
  readonly schema: string;
  readonly required: boolean;
}

export interface ParameterMeta {
  readonly name: string;
  readonly in: string;
  readonly required: boolean;
}

export interface OperationMeta {
  readonly operationId: string;
  /** Vendor spec name, e.g. D1-Public-IN-v2-Card. */
  readonly spec: string;
  readonly direction: Direction;
  readonly method: string;
  /** Path template relative to the spec's server URL. */
  readonly path: string;
  readonly summary: string | null;
  /** Security requirements: each inner list is one alternative, all of whose schemes apply; empty = none. */
  readonly security: readonly (readonly string[])[];
  readonly parameters: readonly ParameterMeta[];
  readonly requestBody: { readonly required: boolean; readonly contentTypes: readonly string[] } | null;
  readonly successCodes: readonly number[];
  readonly responseCodes: readonly string[];
  readonly jweFields: readonly JweFieldMeta[];
  /** JSON pointers into the effective spec of d1kit's assumptions written inside this operation. */
  readonly assumptions: readonly string[];
}

export interface ServerMeta {
  readonly url: string;
  readonly description: string | null;
  readonly variables: Readonly<
    Record<string, { readonly default: string; readonly description: string | null }>
  >;
}

export interface SpecMeta {
  readonly name: string;
  readonly file: string;
  readonly direction: Direction;
  readonly title: string;
  readonly version: string;
  /** Public download URL of the vendor file. */
  readonly url: string;
  readonly servers: readonly ServerMeta[];
  readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly operationIds: readonly string[];
  /** Path of the effective spec, relative to the generated package root. */
  readonly effectiveSpec: string;
  readonly specSha256: string;
  readonly overlaySha256: string;
  /** How many x-d1kit-assumption markers the overlay adds. */
  readonly assumptionCount: number;
}

/** A plaintext JSON Schema (draft-07 compatible, no $refs). */
export type JsonSchema = { readonly [keyword: string]: unknown };
