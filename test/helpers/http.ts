import { exports } from "cloudflare:workers";

export const ADMIN = "test-admin-token-0123456789abcdef-0123";

/** Calls the Worker through its real fetch handler. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`https://edge.test${path}`, init));
}

export function withJson(method: string, body: unknown, token?: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  };
}

export interface CreatedSite {
  id: string;
  ingest_key: string;
  read_key: string;
  [k: string]: unknown;
}

/** Creates a site through the admin API and returns it with its keys. */
export async function createSite(body: Record<string, unknown>): Promise<CreatedSite> {
  const res = await call("/v1/admin/sites", withJson("POST", body, ADMIN));
  if (res.status !== 201) throw new Error(`createSite: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedSite;
}

/** The contract's error shape, read from a response. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  const body = (await res.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}
