import type { IRequest } from "itty-router";
import { HttpError } from "../http/errors";

export async function pixel(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

export async function beacon(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

export async function beaconPreflight(_req: IRequest, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  throw new HttpError(501, "not_implemented", "This endpoint is not built yet.");
}

