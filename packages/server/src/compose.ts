import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs middleware in order as one Express handler. Express's router pays a layer dispatch per function;
 * an operation has eight steps on every request, so they are chained here with plain calls instead.
 * A step that rejects or throws, or calls `next(error)`, ends the chain at `done(error)`.
 */
export function compose(steps: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown): void => {
      // An error, or Express's 'route'/'router' signals, leave the chain for Express to handle.
      if (error !== undefined && error !== null) {
        done(error);
        return;
      }
      const step = steps[index++];
      if (!step) {
        done();
        return;
      }
      try {
        const returned = step(req, res, next) as unknown;
        if (returned && typeof (returned as Promise<void>).then === 'function') {
          (returned as Promise<void>).then(undefined, (failure: unknown) =>
            done(failure ?? new Error('rejected')),
          );
        }
      } catch (failure) {
        done(failure);
      }
    };
    next();
  };
}
