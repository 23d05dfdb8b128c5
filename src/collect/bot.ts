import { isbot } from "isbot";

/**
 * True when a visitor's user agent is a bot (npm `isbot`). A browser hit without any user agent
 * counts as a bot too: every browser sends one, scripts often do not.
 */
export function isBotAgent(userAgent: string | null | undefined): boolean {
  if (!userAgent || userAgent.trim() === "") return true;
  return isbot(userAgent);
}
