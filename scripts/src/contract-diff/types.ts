import type { Direction } from '../lib/manifest.js';

export type { Direction };

/**
 * d1kit's role towards D1 for one spec: the CLIENT of inbound specs (d1kit calls D1) and the SERVER of
 * outbound specs (D1 calls d1kit).
 */
export type Role = 'client' | 'server';

/** Which message a change sits in: requests flow client → server, responses server → client. */
export type Flow = 'request' | 'response';

export type ChangeKind =
  // operations
  | 'operation-added'
  | 'operation-removed'
  | 'operation-path-changed'
  | 'operation-id-added'
  | 'operation-id-removed'
  | 'operation-id-changed'
  | 'security-changed'
  // parameters
  | 'parameter-added'
  | 'parameter-removed'
  | 'parameter-required-added'
  | 'parameter-required-removed'
  | 'parameter-style-changed'
  // request bodies
  | 'request-body-added'
  | 'request-body-removed'
  | 'request-body-required-added'
  | 'request-body-required-removed'
  // media types, in request bodies and responses
  | 'media-type-added'
  | 'media-type-removed'
  // responses and their headers
  | 'response-added'
  | 'response-removed'
  | 'header-added'
  | 'header-removed'
  | 'header-required-added'
  | 'header-required-removed'
  // schemas
  | 'property-added'
  | 'property-removed'
  | 'required-added'
  | 'required-removed'
  | 'enum-value-added'
  | 'enum-value-removed'
  /** Fewer values are valid than before (a bound tightened, a pattern or format added, …); see `facet`. */
  | 'schema-narrowed'
  /** More values are valid than before (a bound loosened, a member added to oneOf, …); see `facet`. */
  | 'schema-widened'
  /** Old and new constraints cannot be ordered (type string → object, pattern A → pattern B). */
  | 'schema-changed';

/** Facts about a change that some rules depend on (see rules.ts). */
export interface ChangeFacts {
  /** For added things: whether the new one is required. For removed things: whether the old one was. */
  readonly required?: boolean;
  /** For parameters: where it travels. */
  readonly in?: string;
  /** For responses: the status key ('200', '4XX', 'default'). */
  readonly status?: string;
  /**
   * For property changes: the schema holding the property declares `additionalProperties: false`
   * (the old schema for an addition, the new one for a removal).
   */
  readonly closed?: boolean;
}

export interface ChangeLocation {
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly flow: Flow | 'operation';
  /** The part of the operation, e.g. `parameter query limit`, `request body application/json`, `response 200`. */
  readonly part: string;
  /** Position inside the part's schema: `$` is its root, `.name` a property, `[]` array items,
   *  `.*` additionalProperties, `<oneOf[1]>` a composition member. Empty when the change is not in a schema. */
  readonly jsonPath: string;
}

/** A change as the walkers find it, before classification. */
export interface RawChange {
  readonly kind: ChangeKind;
  /** For schema-narrowed/widened/changed: the keyword concerned, e.g. `maxLength`, `type`, `oneOf`. */
  readonly facet?: string;
  readonly location: ChangeLocation;
  /**
   * JSON pointer of the changed node with `$ref`s resolved: in the old document when it exists there,
   * otherwise in the new one (added things). Overlay impact is computed from it.
   */
  readonly pointer: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly facts?: ChangeFacts;
}

export interface ContractChange extends Omit<RawChange, 'facts'> {
  readonly breaking: boolean;
  readonly why: string;
}

export interface DiffOptions {
  readonly direction: Direction;
  /**
   * Names an operation the document leaves unnamed (vendor files often lack operationIds; d1kit's overlay
   * adds them), so every location can carry the name the rest of d1kit uses.
   */
  readonly operationIdOf?: (method: string, path: string) => string | undefined;
}
