/**
 * What the client tells a logger: an event name and flat fields (operationId, status, attempt, durationMs,
 * correlationId, drift pointers). Never a token, an assertion, a JWE, a body or plaintext.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface D1Logger {
  debug?(event: string, fields: LogFields): void;
  info?(event: string, fields: LogFields): void;
  warn?(event: string, fields: LogFields): void;
  error?(event: string, fields: LogFields): void;
}

export type LogLevel = keyof D1Logger;

/** A logger that cannot break a call: a throwing logger is ignored. */
export function safeLogger(
  logger: D1Logger | undefined,
): (level: LogLevel, event: string, fields: LogFields) => void {
  if (!logger) return () => {};
  return (level, event, fields) => {
    try {
      logger[level]?.(event, fields);
    } catch {
      // Logging is best effort.
    }
  };
}

/** `4111111111111111` → `411111…1111`: the masking for any PAN-like digit run that must be shown. */
export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  if (digits.length < 12) return '…';
  return `${digits.slice(0, 6)}…${digits.slice(-4)}`;
}

const PAN_LIKE = /\d(?:[ -]?\d){11,18}/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text from outside made safe to keep: control characters dropped, digit runs masked, length capped. */
export function sanitizeText(text: string, maxLength = 200): string {
  const clean = text.replace(CONTROL, ' ').replace(PAN_LIKE, (run) => maskPan(run));
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
