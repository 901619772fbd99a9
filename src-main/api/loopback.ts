/**
 * The in-process transport: the same dispatch path as Electron IPC (method name + argument
 * array in, CallResult out, payloads structured-cloned both ways), without Electron. The
 * contract suite runs against it and against the WebSocket host.
 */
import type { StudioApi, StudioEvent } from './contract';
import { createApiClient } from './client';
import { createDispatcher } from './dispatcher';

export function createLoopbackClient(service: StudioApi): StudioApi {
  const dispatch = createDispatcher(service);
  return createApiClient(
    async (method, args) => structuredClone(await dispatch(method, structuredClone(args))),
    (listener) => service.onEvent((e: StudioEvent) => listener(structuredClone(e))),
  );
}
