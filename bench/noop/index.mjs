// No-op pixel: the fastest possible answer to GET /p.gif on this runtime, for bench/ingest.mjs.
// Its body and headers come from the collector's own pixel (vars GIF_B64, GIF_HEADERS), so the
// benchmark's ratio measures only the collector's work per hit.

// The classic 43-byte transparent 1×1 GIF, used when the bench passes no bytes of its own.
const DEFAULT_GIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

let cached;

function prepare(env) {
  if (cached) return cached;
  const b64 = env.GIF_B64 || DEFAULT_GIF;
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const headers = env.GIF_HEADERS ? JSON.parse(env.GIF_HEADERS) : { "content-type": "image/gif", "cache-control": "no-store" };
  cached = { bytes, headers };
  return cached;
}

export default {
  fetch(_request, env) {
    const { bytes, headers } = prepare(env);
    return new Response(bytes, { status: 200, headers });
  },
};
