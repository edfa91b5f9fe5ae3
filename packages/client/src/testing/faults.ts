import type { Socket } from 'node:net';
import type { Response } from 'express';

/**
 * A scripted misbehaviour for the next matching request(s), applied after the request passed the spec
 * checks: a canned answer (sent raw, so it may break the spec on purpose), a delay, or a dropped connection.
 */
export interface Fault {
  /** Only requests for this operation; any operation when absent. */
  readonly operationId?: string;
  /** How many requests it applies to. Default 1. */
  readonly times?: number;
  readonly delayMs?: number;
  /** Close the connection without answering. */
  readonly destroy?: boolean;
  /** Abort the connection with a TCP reset (the client sees ECONNRESET) after the request was handled. */
  readonly reset?: boolean;
  readonly respond?: {
    readonly status: number;
    readonly headers?: Readonly<Record<string, string>>;
    /** An object is sent as JSON; a string as it is; undefined sends no body. */
    readonly body?: unknown;
    /** Send the body in two writes without a Content-Length (chunked transfer encoding). */
    readonly chunked?: boolean;
  };
}

interface Armed {
  readonly fault: Fault;
  remaining: number;
}

export class FaultPlan {
  readonly #armed: Armed[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();

  add(fault: Fault): void {
    this.#armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#armed.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  take(operationId: string): Fault | undefined {
    const index = this.#armed.findIndex(
      (a) => a.fault.operationId === undefined || a.fault.operationId === operationId,
    );
    if (index < 0) return undefined;
    const armed = this.#armed[index]!;
    armed.remaining--;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault;
  }

  /** Applies the fault; resolves true when the response was handled (nothing more to send). */
  async apply(fault: Fault, res: Response): Promise<boolean> {
    if (fault.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, fault.delayMs);
        this.#timers.add(timer);
      });
    }
    if (fault.destroy) {
      res.socket?.destroy();
      return true;
    }
    if (fault.reset) {
      // Over TLS the RST has to go out on the TCP socket underneath the TLSSocket.
      const socket = res.socket as (Socket & { _parent?: Socket }) | null;
      (socket?._parent ?? socket)?.resetAndDestroy();
      return true;
    }
    const respond = fault.respond;
    if (!respond) return false;
    res.status(respond.status);
    for (const [name, value] of Object.entries(respond.headers ?? {})) res.setHeader(name, value);
    if (respond.body === undefined) {
      res.end();
      return true;
    }
    if (typeof respond.body !== 'string' && !res.hasHeader('content-type')) {
      res.setHeader('content-type', 'application/json');
    }
    const text = typeof respond.body === 'string' ? respond.body : JSON.stringify(respond.body);
    if (respond.chunked) {
      const half = Math.floor(text.length / 2);
      res.write(text.slice(0, half));
      res.end(text.slice(half));
    } else res.end(text);
    return true;
  }
}
