/**
 * True for a path segment that may prefix the collection paths (`/et/p.gif`, CONTRACT.md v1.1):
 * any one segment but the API's own namespace `v1`. The router (src/router.ts) and the pixel's
 * fast path (src/pixel-first.ts) both ask it, so they agree on what is a pixel.
 */
export function isCollectionPrefix(segment: string): boolean {
  return segment !== "" && !/[/?#]/.test(segment) && segment.toLowerCase() !== "v1";
}
