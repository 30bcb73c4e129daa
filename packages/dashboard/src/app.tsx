import { useEffect, useMemo, useState } from "preact/hooks";
import { AlertsView } from "./alerts.js";
import { type Api, ApiError, createApi, type Project } from "./api.js";
import { Compare } from "./compare.js";
import { Explorer, SurveyDetail } from "./explorer.js";
import { type Navigate, useHashState, useResource } from "./hooks.js";
import { Overview } from "./overview.js";
import { CallQualityView } from "./quality.js";
import { browserTimeZone, RANGES, type Range, timeWindow, type ViewState } from "./state.js";

const TOKEN_KEY = "aftercall.adminToken";
const THEME_KEY = "aftercall.theme";

/** What every view gets: the API, the view state and how to change it, and the derived time window. */
export interface ViewProps {
  api: Api;
  state: ViewState;
  navigate: Navigate;
  project: string;
  window: ReturnType<typeof timeWindow>;
  projects: Project[];
  /** "light" or "dark", so charts can redraw in the theme's colours. */
  theme: string;
}

export function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
  };
  if (!token)
    return (
      <SignIn
        onToken={(t) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          setToken(t);
        }}
      />
    );
  return <Dashboard token={token} onSignOut={signOut} />;
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = String(new FormData(event.target as HTMLFormElement).get("token") ?? "").trim();
    if (!token) return setError("Paste an admin token.");
    setBusy(true);
    try {
      await createApi(token).projects();
      onToken(token);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401 ? "That token is not valid or was revoked." : String(e),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <form class="card" onSubmit={submit} aria-describedby="signin-help">
        <h1>
          <span class="logo" aria-hidden="true" /> Aftercall
        </h1>
        <p id="signin-help">
          Sign in with an admin token: the one <code>npm start</code> printed for the demo project, one from{" "}
          <code>aftercall keys create --kind admin</code>, or the operator token. It stays in this tab only.
        </p>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

/** Show `theme` ("auto" follows the system). Set before any chart reads the colours it implies. */
function applyTheme(theme: string): void {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => {
    const saved = localStorage.getItem(THEME_KEY) ?? "auto";
    applyTheme(saved);
    return saved;
  });
  const dark = theme === "dark" || (theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
  const toggle = () => {
    const next = dark ? "light" : "dark";
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    setTheme(next);
  };
  return [dark ? "dark" : "light", toggle];
}

const TABS = [
  ["overview", "Overview"],
  ["quality", "Call quality"],
  ["compare", "Compare"],
  ["explorer", "Surveys"],
  ["alerts", "Alerts"],
] as const;

function Dashboard({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const api = useMemo(() => createApi(token), [token]);
  const [state, navigate] = useHashState();
  const [theme, toggleTheme] = useTheme();
  const projects = useResource(token, () => api.projects());
  useEffect(() => {
    if (projects.error instanceof ApiError && projects.error.status === 401) onSignOut();
  }, [projects.error, onSignOut]);
  const list = projects.data ?? [];
  const project = state.project && list.some((p) => p.id === state.project) ? state.project : list[0]?.id;
  useEffect(() => {
    if (project && project !== state.project) navigate({ project }, true);
  }, [project, state.project, navigate]);
  const window = timeWindow(state);
  const props = project ? { api, state, navigate, project, window, projects: list, theme } : undefined;
  const href = (view: ViewState["view"]) => `#${new URLSearchParams({ ...hashBase(state), view })}`;
  return (
    <>
      {/* The hash holds the view, so "skip to content" moves focus itself rather than linking to #main. */}
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header>
        <div class="top">
          <div class="brand">
            <span class="logo" aria-hidden="true" /> Aftercall
          </div>
          <nav aria-label="Views">
            {TABS.map(([view, label]) => (
              <a
                key={view}
                href={href(view)}
                aria-current={
                  state.view === view || (view === "explorer" && state.view === "survey") ? "page" : undefined
                }
              >
                {label}
              </a>
            ))}
          </nav>
          <div class="tools">
            <button
              type="button"
              class="ghost"
              onClick={toggleTheme}
              aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
            >
              {theme === "dark" ? "☀" : "☾"}
            </button>
            <button type="button" class="ghost" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
        <Toolbar state={state} navigate={navigate} projects={list} project={project} />
      </header>
      <main id="main" tabIndex={-1}>
        {projects.error && !(projects.error instanceof ApiError && projects.error.status === 401) && (
          <p class="error" role="alert">
            {projects.error.message}
          </p>
        )}
        {projects.data && list.length === 0 && <p class="empty">This token sees no projects.</p>}
        {props && <CurrentView {...props} />}
      </main>
    </>
  );
}

/** The parts of the hash every tab keeps (project, range, time zone, category). */
function hashBase(state: ViewState): Record<string, string> {
  const base: Record<string, string> = { range: state.range, tz: state.tz, category: state.category };
  if (state.project) base.project = state.project;
  if (state.range === "custom" && state.from && state.to)
    Object.assign(base, { from: state.from, to: state.to });
  return base;
}

function CurrentView(props: ViewProps) {
  switch (props.state.view) {
    case "quality":
      return <CallQualityView {...props} />;
    case "compare":
      return <Compare {...props} />;
    case "explorer":
      return <Explorer {...props} />;
    case "survey":
      return <SurveyDetail {...props} />;
    case "alerts":
      return <AlertsView {...props} />;
    default:
      return <Overview {...props} />;
  }
}

const ZONES = [
  "UTC",
  "Europe/London",
  "Europe/Berlin",
  "America/New_York",
  "America/Los_Angeles",
  "Asia/Tokyo",
];
const RANGE_LABELS: Record<Range, string> = {
  "24h": "24 h",
  "7d": "7 days",
  "30d": "30 days",
  custom: "Custom",
};

function Toolbar(props: {
  state: ViewState;
  navigate: Navigate;
  projects: Project[];
  project: string | undefined;
}) {
  const { state, navigate } = props;
  const zones = [...new Set([browserTimeZone(), state.tz, ...ZONES])];
  const today = new Date().toISOString().slice(0, 10);
  const setRange = (range: Range) => {
    if (range !== "custom") return navigate({ range, from: undefined, to: undefined, cursor: undefined });
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    navigate({ range, from: state.from ?? weekAgo, to: state.to ?? today, cursor: undefined });
  };
  return (
    <fieldset class="toolbar">
      <legend class="sr-only">Project and time range</legend>
      <label>
        <span>Project</span>
        <select
          value={props.project ?? ""}
          onChange={(e) =>
            navigate({
              project: e.currentTarget.value,
              cursor: undefined,
              survey: undefined,
              alert: undefined,
            })
          }
        >
          {props.projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.id})
            </option>
          ))}
        </select>
      </label>
      <fieldset class="segmented">
        <legend class="sr-only">Time range</legend>
        {RANGES.map((r) => (
          <button key={r} type="button" aria-pressed={state.range === r} onClick={() => setRange(r)}>
            {RANGE_LABELS[r]}
          </button>
        ))}
      </fieldset>
      {state.range === "custom" && (
        <>
          <label>
            <span>From</span>
            <input
              type="date"
              value={state.from}
              max={state.to}
              onChange={(e) => navigate({ from: e.currentTarget.value })}
            />
          </label>
          <label>
            <span>To</span>
            <input
              type="date"
              value={state.to}
              min={state.from}
              onChange={(e) => navigate({ to: e.currentTarget.value })}
            />
          </label>
        </>
      )}
      <label>
        <span>Time zone</span>
        <select value={state.tz} onChange={(e) => navigate({ tz: e.currentTarget.value })}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}
