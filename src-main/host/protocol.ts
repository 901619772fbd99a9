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
export const TOKEN_COOKIE = 'mlp_studio_token';

export const wireRequestSchema = z.strictObject({
  id: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().max(64)]),
  method: z.string().max(100),
  args: z.array(z.unknown()).max(16),
});
