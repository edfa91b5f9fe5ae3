import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { type D1ErrorCode, sendD1Error } from '../d1-error.js';
import { ServerError } from '../errors.js';
import type { CompiledOperation } from './engine.js';
import { isJsonMediaType, mediaTypeOf } from './response-check.js';

const FORM = 'application/x-www-form-urlencoded';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

function charsetOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, value] = parameter.split('=').map((part) => part.trim().toLowerCase());
    if (name === 'charset') return value?.replace(/^"|"$/g, '') ?? '';
  }
  return undefined;
}

/** body-parser's failure types, mapped to D1 answers; the parser's own messages quote the input. */
const PARSE_FAILURES: Readonly<Record<string, readonly [number, D1ErrorCode, string, boolean]>> = {
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'The request body is too large', true],
  'encoding.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported', true],
  'charset.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'The body charset is not supported', true],
  'entity.parse.failed': [400, 'MALFORMED_JSON', '/body: is not a valid JSON object or array', false],
};

function parseFailure(res: Response, error: unknown): void {
  const type = (error as { type?: unknown })?.type;
  const [status, code, message, close] = (typeof type === 'string' && PARSE_FAILURES[type]) || [
    400,
    'INVALID_FIELD',
    '/body: could not be read',
    true,
  ];
  sendD1Error(res, status, code, message, { close });
}

/**
 * The gate in front of EOV: refuses media types the operation does not declare (415), bodies on
 * operations that take none, compressed bodies, and oversize bodies (413), then parses JSON or form data.
 * It also rewrites Content-Type to the declared spelling, so EOV only ever sees the media types whose
 * validators were compiled at start-up (and a stream of odd Content-Types cannot make it compile more).
 */
export function createBodyReader(operation: CompiledOperation, limitBytes: number): RequestHandler {
  const parsers = new Map<string, RequestHandler>();
  for (const mediaType of operation.requestMediaTypes) {
    const common = { limit: limitBytes, inflate: false, type: () => true };
    if (isJsonMediaType(mediaType)) parsers.set(mediaType, express.json({ ...common, strict: true }));
    else if (mediaType === FORM) parsers.set(mediaType, express.urlencoded({ ...common, extended: false }));
    else {
      throw new ServerError(
        'CONFIG_INVALID',
        `${operation.operationId}: request media type ${mediaType} is not supported by @d1kit/server`,
      );
    }
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const bodyPresent = hasBody(req);
    if (parsers.size === 0) {
      if (bodyPresent) {
        return sendD1Error(res, 400, 'BODY_NOT_ALLOWED', '/body: this operation takes no request body', {
          close: true,
        });
      }
      // EOV keys its validators by media type; without a body there is none to key by.
      if (req.headers['content-type'] !== undefined) delete req.headers['content-type'];
      return next();
    }
    const contentType = req.headers['content-type'];
    // The usual case, a declared media type spelled exactly (no parameters), needs no parsing.
    const exact = contentType === undefined ? undefined : parsers.get(contentType);
    const mediaType = exact ? contentType : mediaTypeOf(contentType);
    const parser = exact ?? (mediaType === undefined ? undefined : parsers.get(mediaType));
    const charset = !exact && typeof contentType === 'string' ? charsetOf(contentType) : undefined;
    if (!parser || (charset !== undefined && charset !== 'utf-8')) {
      return sendD1Error(
        res,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `/header/content-type: must be ${operation.requestMediaTypes.join(' or ')} (UTF-8)`,
        { close: bodyPresent },
      );
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return sendD1Error(
        res,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        '/header/content-encoding: bodies must not be compressed',
        {
          close: bodyPresent,
        },
      );
    }
    req.headers['content-type'] = mediaType;
    parser(req, res, (error?: unknown) => (error ? parseFailure(res, error) : next()));
  };
}
