// The edgetally dashboard (issue 11): sign-in, then the site's figures from the JSON API.
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, MODELS, type Session, clearCache, stats } from "./api";
import { MODEL_LABELS, rangeLabel } from "./format";
import { useAsync } from "./hooks";
import { Live } from "./live";
import { Kpis, Series } from "./overview";
import { Funnels, Models, PrivacyPanel, Spend } from "./panels";
import { MAX_DAYS, PRESETS, type Preset, dayString, daysBetween, isDay, presetRange, previousRange } from "./range";
import * as sessionStore from "./session";
import { CampaignTable, type Drill, TOP } from "./table";
import "./style.css";

// The fragment carries the read key: out of the address bar before anything else runs.
sessionStore.takeFragment();

function SignIn({ onSignedIn, initialError }: { onSignedIn: (s: Session) => void; initialError?: string }) {
  const [site, setSite] = useState("");
  const [key, setKey] = useState("");
  const [error, setError] = useState(initialError ?? "");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const s = { site: site.trim(), key: key.trim() };
    if (!s.site || !s.key) return setError("Enter the site id and its read key.");
    setBusy(true);
    setError("");
    const err = await check(s);
    setBusy(false);
    if (err) return setError(err);
    sessionStore.saveSession(s);
    onSignedIn(s);
  };
  return (
    <main class="signin" id="main">
      <h1>
        <span class="logo" aria-hidden="true">◆</span> edgetally
      </h1>
      <form onSubmit={submit} class="card" data-testid="signin">
        <h2>Sign in to a site</h2>
        <label for="site">Site</label>
        <input id="site" name="site" autocomplete="username" value={site} onInput={(e) => setSite((e.target as HTMLInputElement).value)} required />
        <label for="key">Read key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required />
        {error && (
          <p class="error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p class="muted small">The read key stays in this tab only (sessionStorage) and is sent to this server alone. Closing the tab or signing out forgets it.</p>
      </form>
    </main>
  );
}

/** Checks a site and key with one small read; an error message, or null when they work. */
async function check(s: Session): Promise<string | null> {
  const today = dayString(new Date());
  try {
    await stats(s, { from: today, to: today, group: "goal" });
    return null;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) return "That site id and read key do not match. Check both and try again.";
    return e instanceof Error ? e.message : String(e);
  }
}

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "models", label: "Models" },
  { id: "funnels", label: "Funnels" },
  { id: "spend", label: "Spend" },
  { id: "privacy", label: "Privacy" },
  { id: "live", label: "Live test" },
] as const;
type Tab = (typeof TABS)[number]["id"];

/** The view in the address (?range=&from=&to=&goal=&model=): bookmarkable, and never the key. */
function initialView(today: string) {
  const q = new URLSearchParams(location.search);
  const range = q.get("range");
  const preset: Preset = PRESETS.some((p) => p.id === range) ? (range as Preset) : "28d";
  const from = q.get("from") ?? "";
  const to = q.get("to") ?? "";
  const custom = isDay(from) && isDay(to) ? { from, to } : presetRange("28d", today);
  const model = q.get("model") ?? "";
  return { preset, custom, goal: q.get("goal") ?? "", model: (MODELS as readonly string[]).includes(model) ? model : "last_click" };
}

function Dashboard({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const today = dayString(new Date());
  const [init] = useState(() => initialView(today));
  const [preset, setPreset] = useState<Preset>(init.preset);
  const [custom, setCustom] = useState(init.custom);
  const [goal, setGoal] = useState(init.goal);
  const [model, setModel] = useState(init.model);
  const [tab, setTab] = useState<Tab>("overview");
  const [drill, setDrill] = useState<Drill>({ crumbs: [TOP] });
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);

  const range = preset === "custom" ? custom : presetRange(preset, today);
  const prev = previousRange(range, preset);
  const base = { from: range.from, to: range.to, model, goal: goal || undefined };

  const goals = useAsync(() => stats(session, { from: range.from, to: range.to, group: "goal" }), [session, range.from, range.to]);
  // The headline figures are the totals of the table's own first level (group=source: one query
  // serves both, and its rows are few); totals do not depend on the grouping.
  const cur = useAsync(() => stats(session, { ...base, group: "source" }), [session, range.from, range.to, model, goal]);
  const before = useAsync(() => stats(session, { ...base, from: prev.from, to: prev.to, group: "source" }), [session, prev.from, prev.to, model, goal]);
  const campaigns = useAsync(() => (tab === "spend" ? stats(session, { ...base, group: "campaign" }) : Promise.resolve(null)), [session, range.from, range.to, model, goal, tab === "spend"]);
  const days = useAsync(() => stats(session, { ...base, group: "day" }), [session, range.from, range.to, model, goal]);

  useEffect(() => setDrill({ crumbs: [TOP] }), [session]);
  useEffect(() => {
    const q = new URLSearchParams({ range: preset });
    if (preset === "custom") (q.set("from", custom.from), q.set("to", custom.to));
    if (goal) q.set("goal", goal);
    if (model !== "last_click") q.set("model", model);
    history.replaceState(history.state, "", `${location.pathname}?${q}`);
  }, [preset, custom.from, custom.to, goal, model]);
  const customError =
    preset !== "custom" ? "" : !isDay(custom.from) || !isDay(custom.to) ? "Pick both days." : custom.from > custom.to ? "The first day must not be after the last." : daysBetween(custom.from, custom.to) > MAX_DAYS ? `A range spans at most ${MAX_DAYS} days.` : "";

  const onTabKey = (e: KeyboardEvent, i: number) => {
    const n = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!n) return;
    const j = (i + n + TABS.length) % TABS.length;
    setTab(TABS[j]!.id);
    tabRefs.current[j]?.focus();
  };

  const here = drill.crumbs[drill.crumbs.length - 1]!;
  return (
    <>
      <a class="skip" href="#main">
        Skip to the figures
      </a>
      <header class="top">
        <h1>
          <span class="logo" aria-hidden="true">◆</span> edgetally <span class="site" data-testid="site-name">{session.site}</span>
        </h1>
        <button type="button" class="secondary" data-testid="signout" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <form class="controls" aria-label="What to show" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="preset">Range</label>
          <select id="preset" data-testid="preset" value={preset} onChange={(e) => setPreset((e.target as HTMLSelectElement).value as Preset)}>
            {PRESETS.map((p) => (
              <option value={p.id} key={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {preset === "custom" && (
          <>
            <div class="field">
              <label for="from">From</label>
              <input id="from" type="date" data-testid="from" value={custom.from} max={today} onChange={(e) => setCustom({ ...custom, from: (e.target as HTMLInputElement).value })} />
            </div>
            <div class="field">
              <label for="to">To</label>
              <input id="to" type="date" data-testid="to" value={custom.to} max={today} onChange={(e) => setCustom({ ...custom, to: (e.target as HTMLInputElement).value })} />
            </div>
          </>
        )}
        <div class="field">
          <label for="goal">Goal</label>
          <select id="goal" data-testid="goal" value={goal} onChange={(e) => setGoal((e.target as HTMLSelectElement).value)}>
            <option value="">All macro goals</option>
            {(goals.data?.rows ?? []).map((g) => (
              <option value={g.goal} key={g.goal}>
                {`${g.goal}${g.tier === "micro" ? " (micro)" : ""}`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="model">Attribution</label>
          <select id="model" data-testid="model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
            {MODELS.map((m) => (
              <option value={m} key={m}>
                {MODEL_LABELS[m]}
              </option>
            ))}
          </select>
        </div>
        <p class="range-label muted" data-testid="range-label">
          {rangeLabel(range.from, range.to)}
        </p>
      </form>
      {customError ? (
        <p class="error" role="alert">
          {customError}
        </p>
      ) : (
        <>
          <div role="tablist" aria-label="Views" class="tabs">
            {TABS.map((t, i) => (
              <button
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                key={t.id}
                ref={(el) => {
                  tabRefs.current[i] = el;
                }}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                data-testid={`tab-${t.id}`}
                onClick={() => setTab(t.id)}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                {t.label}
              </button>
            ))}
          </div>
          <main id="main" tabIndex={-1}>
            <div role="tabpanel" class="panel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} data-testid={`panel-${tab}`}>
            {cur.error && (
              <p class="error" role="alert">
                {cur.error.message}
              </p>
            )}
            {tab === "overview" && (
              <>
                {cur.data ? <Kpis cur={cur.data} prev={before.data} /> : !cur.error && <p aria-busy="true">Loading…</p>}
                {days.data && <Series answer={days.data} />}
                <CampaignTable session={session} base={base} drill={drill} onDrill={setDrill} top={cur.data} />
              </>
            )}
            {tab === "models" && <Models session={session} base={base} here={here} />}
            {tab === "funnels" && <Funnels session={session} base={base} />}
            {tab === "spend" && (campaigns.data ? <Spend answer={campaigns.data} /> : campaigns.error ? <p class="error" role="alert">{campaigns.error.message}</p> : <p aria-busy="true">Loading…</p>)}
            {tab === "privacy" && cur.data && <PrivacyPanel answer={cur.data} />}
            {tab === "live" && <Live session={session} />}
            {cur.data?.updated_at && <p class="muted small updated">Figures as of the rollup at {new Date(cur.data.updated_at).toLocaleString()}.</p>}
            </div>
          </main>
        </>
      )}
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(sessionStore.loadSession());
  const [error, setError] = useState<string | undefined>();
  // A session from the fragment (or a reload) is checked once; a key that fails returns to the form.
  useEffect(() => {
    if (!session) return;
    check(session).then((err) => {
      if (err) {
        sessionStore.clearSession();
        setError(err);
        setSession(null);
      }
    });
  }, []);
  if (!session) return <SignIn onSignedIn={setSession} initialError={error} />;
  return (
    <Dashboard
      session={session}
      onSignOut={() => {
        sessionStore.clearSession();
        clearCache();
        setError(undefined);
        setSession(null);
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);
