import type { IRequest } from "itty-router";
import { HttpError } from "../http/errors";

export async function getTracker(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

