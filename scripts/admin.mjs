#!/usr/bin/env node
// The admin API from a terminal, so nobody hand-writes curl with the admin token:
//
//   EDGETALLY_URL=https://edge.shop.example ADMIN_TOKEN=… npm run admin -- site create shop --domain shop.example
//
// Prints the API's JSON answer. Exit 0 on a 2xx answer, 1 on an API error (its message printed),
// 2 on a command line that is not a request (usage printed).
import { runCommand, USAGE, UsageError } from "./lib/admin-cli.mjs";

const argv = process.argv.slice(2);
if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(argv.length === 0 ? 2 : 0);
}
try {
  const { status, body } = await runCommand(argv, process.env, fetch);
  if (status >= 200 && status < 300) {
    if (body !== null) console.log(typeof body === "string" ? body : JSON.stringify(body, null, 2));
    else console.log(`done (${status})`);
    if (body?.ingest_key) console.error("\nThe ingest_key and read_key are shown once only: store them now.");
    process.exit(0);
  }
  const err = body?.error;
  console.error(err ? `error ${status} ${err.code}: ${err.message}${err.field ? ` (${err.field})` : ""}` : `error ${status}: ${JSON.stringify(body)}`);
  process.exit(1);
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`could not reach the Worker: ${err.message}`);
  process.exit(1);
}
