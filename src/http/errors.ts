/**
 * The one error type of the Worker. Anything that goes wrong with a request is thrown as an
 * HttpError; the router's catch turns it into the contract's JSON error shape.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** One validation problem, as reported in `errors` arrays and `rejected[].error`. */
export interface Problem {
  code: string;
  message: string;
  field?: string;
}

/** A 422 carrying one field-level problem (the usual "your input is wrong" answer). */
export function invalid(code: string, message: string, field?: string): HttpError {
  return new HttpError(422, code, message, field);
}

export function problemOf(err: HttpError): Problem {
  return err.field === undefined
    ? { code: err.code, message: err.message }
    : { code: err.code, message: err.message, field: err.field };
}

/** JSON response with the given status and extra headers. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Turns anything thrown by a handler into the contract's error JSON; unknown faults are 500s. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return json({ error: problemOf(err) }, err.status, err.headers ?? {});
  }
  console.error("unhandled error", err);
  return json({ error: { code: "internal_error", message: "Something went wrong on our side; please try again." } }, 500);
}
