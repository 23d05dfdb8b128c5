import { errorResponse } from "./http/errors";
import { isCollectionPrefix } from "./http/prefix";
import { answerPixel, PIXEL_PATH } from "./routes/collect";

/**
 * The Worker-level fast path: what runs before the router. `GET /p.gif` is by far the most
 * frequent request, and itty-router would parse the URL, copy every parameter and match the
 * route table first. Only recognising the path lives here; the answer is the pixel handler's own
 * (src/routes/collect.ts answerPixel), which the router still serves for any other spelling.
 */

/**
 * The query string of a request for exactly `/p.gif` or `/<prefix>/p.gif` (isCollectionPrefix), else null. `url` is a serialized absolute URL (Request.url),
 * so the path starts at the first "/" after "scheme://" and needs no parsing.
 */
export function pixelQuery(url: string): string | null {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start < 0) return null;
  let end = url.indexOf(PIXEL_PATH, start);
  if (end < 0) return null;
  if (end !== start) {
    // A prefix: one non-empty segment before the pixel's path, and not the API's `v1`.
    if (!isCollectionPrefix(url.slice(start + 1, end))) return null;
  }
  end += PIXEL_PATH.length;
  if (end === url.length || url[end] === "#") return "";
  if (url[end] !== "?") return null;
  const hash = url.indexOf("#", end);
  return url.slice(end + 1, hash < 0 ? url.length : hash);
}

/** The Worker's fetch with the pixel answered before the router; everything else goes to `next`. */
export function pixelFirst(next: (req: Request, env: Env, ctx: ExecutionContext) => Promise<Response>): ExportedHandlerFetchHandler<Env> {
  return (req, env, ctx) => {
    const query = req.method === "GET" ? pixelQuery(req.url) : null;
    if (query === null) return next(req, env, ctx);
    try {
      const answer = answerPixel(req, new URLSearchParams(query), env, ctx);
      return answer instanceof Response ? answer : answer.catch(errorResponse);
    } catch (err) {
      // As the router's catch would: the contract's JSON error (only debug=1 can fail here).
      return errorResponse(err);
    }
  };
}
