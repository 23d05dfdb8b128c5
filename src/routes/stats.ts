import type { IRequest } from "itty-router";
import { HttpError } from "../http/errors";

export async function getStats(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

export async function getFunnel(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

