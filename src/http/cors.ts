import type { BrowserHit } from "../collect/hits";
import { hostMatches, hostOf } from "../sites/domains";

/** CORS of a browser hit's answer: echo an Origin that is one of the hits' sites' domains. */
export function corsHeaders(req: Request, hits: readonly BrowserHit[]): Record<string, string> {
  const origin = req.headers.get("origin");
  const host = hostOf(origin);
  const ok = origin !== null && host !== null && hits.some((h) => h.site && hostMatches(host, h.site.config.domains));
  return ok ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
}
