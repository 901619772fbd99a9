/**
 * The one permission the studio window may have: the camera (video only), asked for by the
 * studio's own page, for the Data screen's Capture panel and Try it's live camera. Everything
 * else (microphone, notifications, geolocation, screen capture, …) is refused. Pure: no
 * electron import, so it is tested directly.
 */
export interface PermissionDetails {
  requestingUrl?: string;
  mediaTypes?: string[];
}

export function permissionAllowed(permission: string, details: PermissionDetails | undefined, isOwnPage: (url: string) => boolean): boolean {
  if (permission !== 'media') return false;
  if (!details?.requestingUrl || !isOwnPage(details.requestingUrl)) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** The permission check (navigator.permissions, enumerateDevices): the camera for the studio's own page only. */
export function permissionCheckAllowed(permission: string, requestingOrigin: string, isOwnPage: (url: string) => boolean): boolean {
  return permission === 'media' && isOwnPage(requestingOrigin);
}
