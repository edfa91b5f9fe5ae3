/**
 * What the server logs through. The shape matches pino (`logger.info({ ... }, 'message')`), so a pino
 * instance can be passed as is. Fields never hold request values: only ids, codes, pointers and timings.
 */
export interface ServerLogger {
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

type Level = 'info' | 'warn' | 'error';

/** JSON lines on stderr; `info` (the access log) only when asked for. */
export function createJsonLogger(
  options: { readonly level?: Level; readonly write?: (line: string) => void } = {},
): ServerLogger {
  const order: Record<Level, number> = { info: 0, warn: 1, error: 2 };
  const threshold = order[options.level ?? 'warn'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: Level) => (fields: Readonly<Record<string, unknown>>, message: string) => {
    if (order[level] < threshold) return;
    write(`${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Adds fixed fields (correlation id, operation) to every entry; a throwing logger never breaks a request. */
export function bindLogger(logger: ServerLogger, bound: Readonly<Record<string, unknown>>): ServerLogger {
  // Nothing bound (the server's own logger): the caller's fresh fields object is passed on without a copy.
  const nothingBound = Object.keys(bound).length === 0;
  const call = (level: Level) => (fields: Readonly<Record<string, unknown>>, message: string) => {
    try {
      logger[level](nothingBound ? fields : { ...bound, ...fields }, message);
    } catch {
      // Logging must not break the request.
    }
  };
  return { info: call('info'), warn: call('warn'), error: call('error') };
}

/** Digit runs that could be a PAN (12-19 digits, optionally grouped) become first6…last4. */
const PAN_LIKE = /\d(?:[ -]?\d){11,18}/g;

export function maskPans(text: string): string {
  return text.replace(PAN_LIKE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    return `${digits.slice(0, 6)}…${digits.slice(-4)}`;
  });
}

/**
 * A thrown value as log fields: its class, its `code` when it has one, and the message and stack with
 * PAN-like digit runs masked (handler code is not ours, so its messages may quote card data).
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const code = (error as { code?: unknown }).code;
  return {
    errorName: error.name,
    ...(typeof code === 'string' ? { errorCode: code } : {}),
    errorMessage: maskPans(error.message).slice(0, 500),
    ...(error.stack ? { errorStack: maskPans(error.stack).slice(0, 4000) } : {}),
  };
}
