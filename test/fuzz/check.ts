/**
 * What every fuzzed answer must be: never a 5xx; a non-2xx answer other than a redirect is the
 * contract's JSON error `{"error":{"code","message","field?"}}` and nothing else.
 */
import { env } from "cloudflare:workers";
import { call } from "../helpers/http";

const CODE_RE = /^[a-z][a-z0-9_]*$/;

/** Throws (so fast-check reports and shrinks the input) when `res` breaks the contract's error rules. */
export async function checkAnswer(res: Response, what: string): Promise<void> {
  const text = await res.text();
  if (res.status >= 500) throw new Error(`${what}: answered ${res.status}: ${text.slice(0, 300)}`);
  if (res.status < 300) return;
  if (res.status < 400) {
    if (!res.headers.get("location")) throw new Error(`${what}: ${res.status} without a Location`);
    return;
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) throw new Error(`${what}: ${res.status} error is ${type || "untyped"}, not JSON: ${text.slice(0, 200)}`);
  const problem = errorShapeProblem(text);
  if (problem) throw new Error(`${what}: ${res.status} ${problem}: ${text.slice(0, 300)}`);
}

/** Why `text` is not the contract's error JSON, or null when it is. */
export function errorShapeProblem(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "error body is not JSON";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "error body is not an object";
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "error") return `error body has keys ${JSON.stringify(keys)}, not just "error"`;
  const e = (body as { error: unknown }).error;
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "`error` is not an object";
  const err = e as Record<string, unknown>;
  for (const k of Object.keys(err)) if (!["code", "message", "field"].includes(k)) return `error has unexpected key ${k}`;
  if (typeof err.code !== "string" || !CODE_RE.test(err.code)) return `error.code ${JSON.stringify(err.code)} is not snake_case`;
  if (typeof err.message !== "string" || err.message.trim() === "") return "error.message is missing";
  if (err.field !== undefined && typeof err.field !== "string") return "error.field is not a string";
  return null;
}

/**
 * Fails loudly when an endpoint is still the skeleton's 501: its fuzzer cannot run, and the suite
 * must say so rather than pass.
 */
export async function requireImplemented(name: string, path: string, init: RequestInit = {}): Promise<void> {
  const res = await call(path, init);
  const text = await res.text();
  if (res.status === 501) throw new Error(`${name} still answers 501 not_implemented — its fuzzer did not run (${text.slice(0, 120)})`);
}

/** Raw events stored for `site` with one of `ids`, polled until all are there or `timeoutMs` passes (the queue writes in batches). */
export async function waitForStored(site: string, ids: string[], timeoutMs = 15_000): Promise<Set<string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await env.DB.prepare("SELECT event_id FROM events WHERE site = ? AND event_id IN (SELECT value FROM json_each(?))")
      .bind(site, JSON.stringify(ids))
      .all<{ event_id: string }>();
    const found = new Set(results.map((r) => r.event_id));
    if (found.size >= ids.length || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const BROWSER_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";

/** Runs budget for one fuzz property: the whole fuzz suite has to stay well under a minute. */
export const RUNS = 250;

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and newlines); throws on a stray quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i++;
        if (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") throw new Error(`text after a closing quote at ${i}`);
        continue;
      }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === "") {
      quoted = true;
      i++;
    } else if (ch === '"') {
      throw new Error(`a quote inside an unquoted cell at ${i}`);
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
      i++;
    } else if (ch === "\r" || ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      cell += ch;
      i++;
    }
  }
  if (quoted) throw new Error("an unterminated quoted cell");
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
