/**
 * The web host's wire format (JSON text frames over one WebSocket at /api):
 *   client -> host  { id, method, args }
 *   host -> client  { id, ok: true, result } | { id, ok: false, error: { code, message } }
 *   host -> client  { event: StudioEvent }   (pushed to every authenticated connection)
 * A frame that is not valid JSON or not a request gets { id: null, ok: false, error }.
 */
import { z } from 'zod';

export const WS_PATH = '/api';
/**
 * Largest frame the host accepts: a 47 MB MNIST file fits in one upload message as base64;
 * larger files are sent in chunks (UploadRequest append).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Calls one connection may have in flight; more get a 'busy' error at once. */
export const DEFAULT_MAX_IN_FLIGHT = 64;
/**
 * The session cookie set on the first visit with the token; its name ends with `_<port>`
 * (cookies are kept per host, not per port) and its value is a secret of this host process.
 */
export const SESSION_COOKIE = 'mlp_studio';

export const wireRequestSchema = z.strictObject({
  id: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().max(64)]),
  method: z.string().max(100),
  args: z.array(z.unknown()).max(16),
});
