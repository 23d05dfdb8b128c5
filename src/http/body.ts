import { HttpError } from "./errors";

// curl -d sends application/x-www-form-urlencoded by default; a JSON body under that label is
// still JSON, so it is accepted rather than failing a newcomer's first curl.
const JSON_TYPES = new Set(["", "application/json", "text/plain", "application/x-www-form-urlencoded"]);

/**
 * Reads a request body as JSON with a hard size limit, without trusting Content-Length.
 * Accepts application/json and text/plain (sendBeacon without a CORS preflight).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!JSON_TYPES.has(type) && !type.endsWith("+json")) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as JSON (application/json or text/plain).");
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readLimited(request, maxBytes);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") throw new HttpError(400, "empty_body", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "malformed_json", "The request body is not valid JSON.");
  }
}

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "body_too_large", `The request body is larger than ${maxBytes} bytes.`);
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
