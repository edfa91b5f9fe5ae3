import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

/**
 * Makes `value` log safely: `JSON.stringify`, `console.log`, `util.inspect` and JSON loggers (which call
 * `toJSON`) show `[redacted]` instead of the named fields, while code keeps reading the real values.
 * The hooks are non-enumerable, so equality checks and `Object.keys` see the plain fields. A spread
 * copy (`{ ...value }`) is a new plain object without the hooks; do not log one.
 */
export function redacting<T extends object>(value: T, fields: readonly (keyof T & string)[]): T {
  const view = (): Record<string, unknown> => {
    const copy = { ...value } as Record<string, unknown>;
    for (const field of fields) if (copy[field] !== undefined) copy[field] = REDACTED;
    return copy;
  };
  Object.defineProperty(value, 'toJSON', { value: view, enumerable: false });
  Object.defineProperty(value, inspect.custom, { value: view, enumerable: false });
  return value;
}
