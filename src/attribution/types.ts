/** The six attribution models of CONTRACT.md "Attribution models". */
export const MODELS = ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"] as const;
export type Model = (typeof MODELS)[number];

export function isModel(v: unknown): v is Model {
  return typeof v === "string" && (MODELS as readonly string[]).includes(v);
}
