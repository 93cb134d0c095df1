// The 12-hex short forms Docker prints for image, layer and container IDs. Kept apart from
// digest.ts (which needs node:crypto) so the inspector webview can use the same helpers.

const SHORT_HEX = 12;

/** `sha256:0123456789ab…` or a bare hex ID → `0123456789ab`, as `docker images` prints IMAGE ID. */
export function shortId(idOrDigest: string): string {
  const colon = idOrDigest.indexOf(':');
  return idOrDigest.slice(colon + 1, colon + 1 + SHORT_HEX);
}

/** `sha256:0123456789ab…` → `sha256:0123456789ab`: short, yet still saying which algorithm. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 1 + SHORT_HEX);
}
