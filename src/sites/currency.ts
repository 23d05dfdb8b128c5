// ISO-4217 codes this runtime knows (Intl), falling back to the shape check where Intl lacks the list.
const known: Set<string> | null = (() => {
  try {
    return new Set(Intl.supportedValuesOf("currency"));
  } catch {
    return null;
  }
})();

/** True for an upper-case ISO-4217 currency code such as EUR. */
export function isCurrency(v: string): boolean {
  if (!/^[A-Z]{3}$/.test(v)) return false;
  return known === null || known.has(v);
}
