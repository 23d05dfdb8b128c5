// Types of scripts/lib/admin-cli.mjs, for the tests that run it inside workerd.
export declare const USAGE: string;
export declare class UsageError extends Error {}
export interface AdminRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
}
export declare function parseWords(argv: string[]): { words: string[]; opts: Record<string, string | string[] | true> };
export declare function requestFor(argv: string[]): AdminRequest;
export declare function runCommand(
  argv: string[],
  env: { EDGETALLY_URL?: string; ADMIN_TOKEN?: string },
  fetcher: (url: string, init: RequestInit) => Promise<Response>,
): Promise<{ status: number; body: any }>;
