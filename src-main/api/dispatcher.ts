/**
 * The receiving side of every transport: checks the method name against the allow-list,
 * validates the arguments with zod, calls the service and turns any failure into a typed
 * error. Nothing thrown by a service ever crosses the boundary as an exception.
 */
import type { StudioApi } from './contract';
import { StudioError, toErrorShape } from './errors';
import { isMethodName, type CallResult } from './methods';
import { argumentSchemas, describeIssues } from './schemas';

export type Dispatch = (method: unknown, args: unknown) => Promise<CallResult>;

export function createDispatcher(api: StudioApi): Dispatch {
  return async (method, args) => {
    try {
      if (!isMethodName(method)) {
        const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 60)) : typeof method;
        throw new StudioError('unknown_method', `The studio has no method ${shown}.`);
      }
      const parsed = argumentSchemas[method].safeParse(args ?? []);
      if (!parsed.success) throw new StudioError('bad_request', describeIssues(method, parsed.error));
      const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
      const result = await fn.apply(api, parsed.data as unknown[]);
      return { ok: true, result: result === undefined ? null : result };
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  };
}
