import * as v from "valibot";
import { day } from "./fields";
import { objectSays, say, strictObject } from "./issues";

/**
 * `POST /v1/admin/rollup`: `{"site"?, "from", "to"}` (docs/ROLLUP.md). from ≤ to and the range's
 * length are checked by rollup/recompute.ts.
 */
const rollupDay = (key: string) => day(say("invalid_day", `\`${key}\` must be a day written YYYY-MM-DD.`));
export const RollupBody = strictObject(
  {
    site: v.nullish(v.string(say("invalid_site", "`site` is a site id."))),
    from: rollupDay("from"),
    to: rollupDay("to"),
  },
  objectSays(say("invalid_body", 'Send {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} and optionally "site".')),
);
