// The live test view: start a session (POST /v1/live), then every hit for the site appears within
// seconds with its outcome and reason (GET /v1/live, polled every 1.5 s while the session lasts).
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, type Live as LiveAnswer, type Session } from "./api";

export const POLL_MS = 1500;

const REASONS: Record<string, string> = {
  bot: "sent by a bot or crawler",
  foreign_origin: "sent from a page that is not one of the site's domains",
  invalid: "malformed (see the errors)",
  unknown_event: "not one of the site's goals",
  consent: "sent without consent where the site requires it",
  rate_limited: "over the collection rate limit",
};

const OUTCOMES: Record<string, string> = {
  accepted: "Accepted",
  duplicate: "Duplicate",
  dropped: "Dropped",
  test: "Test event",
};

export function Live({ session }: { session: Session }) {
  const [until, setUntil] = useState<string | null>(null);
  const [hits, setHits] = useState<LiveAnswer["hits"]>([]);
  const [state, setState] = useState<"idle" | "starting" | "running" | "ended" | "unavailable" | "error">("idle");
  const [error, setError] = useState("");

  const fail = (e: unknown) => {
    if (e instanceof ApiError && e.status === 404 && e.code !== "unknown_site") setState("unavailable");
    else {
      setError(e instanceof Error ? e.message : String(e));
      setState("error");
    }
  };

  const start = async () => {
    setState("starting");
    try {
      const a = await api<{ until: string }>(session, "POST", "/v1/live", {});
      setUntil(a.until);
      setHits([]);
      setState("running");
    } catch (e) {
      fail(e);
    }
  };

  useEffect(() => {
    if (state !== "running") return;
    let stop = false;
    let timer = 0;
    const tick = async () => {
      try {
        const a = await api<LiveAnswer>(session, "GET", "/v1/live", {});
        if (stop) return;
        setHits(a.hits);
        if (a.until) setUntil(a.until);
        if (!a.until || Date.parse(a.until) <= Date.now()) return setState("ended");
      } catch (e) {
        if (!stop) fail(e);
        return;
      }
      if (!stop) timer = window.setTimeout(tick, POLL_MS);
    };
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [state, session]);

  return (
    <section class="card" aria-labelledby="live-h" data-testid="live">
      <h2 id="live-h">Live test view</h2>
      <p class="muted small">
        Check a new tag before launch: start a 30-minute session, open your site in another tab, and every hit it sends shows up here within a few seconds, stored or not, with the reason when it was
        dropped.
      </p>
      {state === "unavailable" ? (
        <p class="notice" data-testid="live-unavailable">
          The live view is not available on this server (it answers 404 to /v1/live). Update the Worker to a version with the live test view.
        </p>
      ) : (
        <>
          <div class="inline">
            <button type="button" data-testid="live-start" onClick={start} disabled={state === "starting" || state === "running"}>
              {state === "running" ? "Session running" : state === "ended" ? "Start a new session" : "Start a test session"}
            </button>
            <span role="status" data-testid="live-status" class="muted">
              {state === "running" && until ? `Listening until ${new Date(until).toLocaleTimeString()} — ${hits.length} hit${hits.length === 1 ? "" : "s"} so far` : ""}
              {state === "starting" ? "Starting…" : ""}
              {state === "ended" ? "The session has ended." : ""}
            </span>
          </div>
          {state === "error" && (
            <p class="error" role="alert" data-testid="live-error">
              {error}
            </p>
          )}
          <ol class="hits" data-testid="live-hits" aria-live="polite">
            {hits.map((h, i) => (
              <li key={`${h.at}-${i}`} class={`hit ${h.outcome}`} data-testid="live-hit" data-outcome={h.outcome} data-test={h.outcome === "test" ? "true" : "false"}>
                <span class={`badge ${h.outcome}`}>{OUTCOMES[h.outcome] ?? h.outcome}</span>
                <strong>{h.name}</strong> <span class="muted">via {h.via}</span> <time dateTime={h.at}>{new Date(h.at).toLocaleTimeString()}</time>
                {h.reason && <span class="reason" data-testid="live-reason">{`: ${REASONS[h.reason] ?? h.reason}`}</span>}
                {h.url && <span class="sub">{h.url}</span>}
                {h.touch && (h.touch.source || h.touch.campaign) && (
                  <span class="sub">{["source", "medium", "campaign", "content", "term"].map((k) => h.touch![k]).filter(Boolean).join(" / ")}</span>
                )}
                {h.value !== null && h.value !== undefined && <span class="sub">{`${h.value} ${h.currency ?? ""}`}</span>}
                {h.errors?.length > 0 && (
                  <ul class="errors">
                    {h.errors.map((e, j) => (
                      <li key={j}>{`${e.field ? e.field + ": " : ""}${e.message}`}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
          {state === "running" && hits.length === 0 && <p class="empty">No hits yet. Load a page of your site with the tracker, or send a test event.</p>}
        </>
      )}
    </section>
  );
}
