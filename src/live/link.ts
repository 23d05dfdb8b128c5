import { scrubUrl } from "../collect/scrub";
import type { Click } from "../links/service";
import type { LiveHit } from "./hit";

const BOT_CLICK = { code: "bot", message: "The user agent is a bot's (a link preview, say); bots are not counted." };

/**
 * The live view of a click on a tracked link: no event name (a click is counted as the link's,
 * not as an event), the destination it was sent to (scrubbed) and the link's touch.
 */
export function linkLiveHit(click: Click, at: number): LiveHit {
  const { link } = click;
  const bot = click.count === null;
  return {
    at,
    via: "link",
    name: null,
    outcome: bot ? "dropped" : "accepted",
    reason: bot ? "bot" : null,
    url: scrubUrl(new URL(click.location)).href,
    touch: { source: link.source, medium: link.medium, campaign: link.campaign, content: link.content, term: link.term },
    value: null,
    currency: null,
    event_id: null,
    errors: bot ? [BOT_CLICK] : [],
  };
}
