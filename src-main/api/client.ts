/**
 * The calling side: turns "send (method, args), get a CallResult back" plus an event
 * subscription into a StudioApi object. Used by the in-process adapter, the Node WebSocket
 * client (CLI, tests) and the renderer (its WebSocket client and the preload's bridge).
 */
import type { StudioApi, StudioEvent } from './contract';
import { fromErrorShape } from './errors';
import { METHOD_NAMES, type CallResult, type MethodName } from './methods';

export type Call = (method: MethodName, args: unknown[]) => Promise<CallResult>;
export type Subscribe = (listener: (e: StudioEvent) => void) => () => void;

export function createApiClient(call: Call, subscribe: Subscribe): StudioApi {
  const api: Record<string, unknown> = {};
  for (const method of METHOD_NAMES) {
    api[method] = async (...given: unknown[]) => {
      // an optional argument left out (undefined) would travel as null in JSON and be refused
      const args = given.slice();
      while (args.length && args[args.length - 1] === undefined) args.pop();
      const reply = await call(method, args);
      if (reply.ok) return reply.result === null ? undefined : reply.result;
      throw fromErrorShape(reply.error);
    };
  }
  api.onEvent = subscribe;
  return api as unknown as StudioApi;
}
