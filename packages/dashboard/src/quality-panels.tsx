import { CATEGORIES, type CallQuality, type Category, NETWORK_BANDS, type NetworkBand } from "./api.js";
import type { ViewProps } from "./app.js";
import { drill } from "./breakdown.js";
import { CATEGORY_LABELS, count, interval, percent } from "./format.js";

type Props = ViewProps & { quality: CallQuality };

export const BAND_LABELS: Record<NetworkBand, string> = {
  good: "Good network",
  fair: "Fair network",
  poor: "Poor network",
  none: "Not measured",
};

/** A rate entry of the call-quality answer (a band's poor-rate, a share, a MOS bin…). */
export type RateEntry = CallQuality["goodNetwork"]["poorRate"];

/** The explorer listing the surveys of this view's project and range, narrowed by `filters`. */
export function explorerHref(
  state: ViewProps["state"],
  filters: { networkBand?: NetworkBand; poor?: Category; tag?: string },
): string {
  const extra = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) extra.set(k, v);
  return `#view=explorer&${drill(state)}&${extra}`;
}

/** A rate with a meter scaled to `max`, its interval and how many surveys it stands on. */
export function RateCell({ entry, max }: { entry: RateEntry | undefined; max: number }) {
  if (!entry || entry.rate === null) return <span class="muted">–</span>;
  return (
    <>
      <span class="meter" aria-hidden="true">
        <span style={{ width: `${(entry.rate / max) * 100}%` }} />
      </span>
      {percent(entry.rate)} <small>{interval(entry.ci95)}</small>
      <small>
        {count(entry.poor)} poor of {count(entry.surveys)}
      </small>
    </>
  );
}

/** What the network does not explain: the poor ratings given after a good network, and their tags. */
export function GoodNetwork({ quality, state }: Props) {
  const { share, poorRate, tags } = quality.goodNetwork;
  return (
    <section class="panel" aria-labelledby="good-network-h" data-panel="good-network">
      <h2 id="good-network-h">Poor ratings on a good network</h2>
      {share ? (
        <p>
          <strong>{percent(share.rate)}</strong> <small class="muted">(95 % CI {interval(share.ci95)})</small>{" "}
          of the {count(share.of)} poor overall ratings with a measured network came after a good one: the
          network does not explain them. A call on a good network was rated poor{" "}
          <strong>{percent(poorRate.rate)}</strong> of the time.
        </p>
      ) : (
        <p class="empty">No poor overall rating with a measured network in this range.</p>
      )}
      {tags.length > 0 && (
        <div class="scroll">
          <table class="tags">
            <thead>
              <tr>
                <th scope="col">Issue tag of a poor rating</th>
                <th scope="col" class="num">
                  Ratings
                </th>
                <th scope="col" class="num">
                  Calls
                </th>
              </tr>
            </thead>
            <tbody>
              {tags.slice(0, 8).map((t) => (
                <tr key={`${t.category}:${t.tag}`}>
                  <th scope="row">
                    <a
                      href={explorerHref(state, {
                        networkBand: "good",
                        poor: t.category,
                        tag: `${t.category}:${t.tag}`,
                      })}
                      data-good-tag={`${t.category}:${t.tag}`}
                    >
                      {t.tag}
                    </a>{" "}
                    <small class="muted">{CATEGORY_LABELS[t.category].toLowerCase()}</small>
                  </th>
                  <td class="num">{count(t.count)}</td>
                  <td class="num">{count(Math.round(t.weightedCount))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Overall ratings per estimated-MOS bin: the mean score and the poor-rate, both weighted. */
export function MosVsScore({ quality }: { quality: CallQuality }) {
  const bins = [...quality.mosVsScore].reverse();
  const max = Math.max(...bins.map((b) => b.rate ?? 0), 0.01);
  return (
    <section class="panel" aria-labelledby="mos-h" data-panel="mos">
      <h2 id="mos-h">Estimated MOS against the overall rating</h2>
      {bins.length === 0 ? (
        <p class="empty">No survey with an estimated MOS in this range.</p>
      ) : (
        <div class="scroll">
          <table class="mos">
            <thead>
              <tr>
                <th scope="col">MOS</th>
                <th scope="col">Mean score</th>
                <th scope="col">Poor-rate (95 % CI)</th>
              </tr>
            </thead>
            <tbody>
              {bins.map((b) => (
                <tr key={b.mosFrom}>
                  <th scope="row">
                    {b.mosFrom.toFixed(1)}–{b.mosTo.toFixed(1)}
                  </th>
                  <td class="score">
                    <span class="meter score" aria-hidden="true">
                      <span style={{ width: `${(b.meanNormalizedScore ?? 0) * 100}%` }} />
                    </span>
                    {b.meanNormalizedScore === null ? "–" : Math.round(b.meanNormalizedScore * 100)}
                    <small>/100</small>
                  </td>
                  <td class="rate">
                    <RateCell entry={b} max={max} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted note">
        MOS: the E-model's estimate (ITU-T G.107) of the audio received, 1–4.5. Mean score: 0 = worst, 100 =
        best of the rating's scale.
      </p>
    </section>
  );
}

/**
 * Issue tags of one category per band, as the weighted share of that band's ratings in the category that
 * carry the tag (a tag common on poor networks and rare on good ones is a network symptom).
 */
export function TagsByBand({ quality, state, navigate }: Props) {
  const category = state.category;
  const rated = (band: NetworkBand) =>
    quality.poorRates.find((r) => r.category === category && r.band === band)?.weightedSurveys ?? 0;
  const rows = new Map<string, Map<NetworkBand, CallQuality["tagsByBand"][number]>>();
  for (const t of quality.tagsByBand) {
    if (t.category !== category) continue;
    const row = rows.get(t.tag) ?? new Map();
    row.set(t.band, t);
    rows.set(t.tag, row);
  }
  const bands = NETWORK_BANDS.filter((b) => rated(b) > 0);
  return (
    <section class="panel" aria-labelledby="tags-band-h" data-panel="tags-by-band">
      <h2 id="tags-band-h">Issue tags by network band</h2>
      <fieldset class="segmented">
        <legend class="sr-only">Category</legend>
        {CATEGORIES.map((c: Category) => (
          <button
            key={c}
            type="button"
            aria-pressed={c === category}
            onClick={() => navigate({ category: c }, true)}
          >
            {CATEGORY_LABELS[c]}
          </button>
        ))}
      </fieldset>
      {rows.size === 0 ? (
        <p class="empty">No {CATEGORY_LABELS[category].toLowerCase()} issue tags in this range.</p>
      ) : (
        <div class="scroll">
          <table class="tags-by-band">
            <thead>
              <tr>
                <th scope="col">Tag</th>
                {bands.map((b) => (
                  <th scope="col" class="num" key={b}>
                    {BAND_LABELS[b]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...rows.entries()].slice(0, 10).map(([tag, byBand]) => (
                <tr key={tag}>
                  <th scope="row">{tag}</th>
                  {bands.map((b) => {
                    const t = byBand.get(b);
                    return (
                      <td class="num" key={b} data-cell={`${tag}:${b}`}>
                        {t ? (
                          <a
                            href={explorerHref(state, { networkBand: b, tag: `${category}:${tag}` })}
                            class="plain"
                          >
                            {percent(t.weightedCount / rated(b))} <small>({count(t.count)})</small>
                          </a>
                        ) : (
                          <span class="muted">–</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted note">
        Share of the band's {CATEGORY_LABELS[category].toLowerCase()} ratings with the tag (weighted), and the
        number of surveys.
      </p>
    </section>
  );
}

const DAY_MS = 86_400_000;

/** The share of calls per band for each UTC day of the range, as stacked columns and as a table. */
export function BandMix({ quality, state }: Props) {
  const byDay = new Map<number, Map<NetworkBand, { surveys: number; weightedSurveys: number }>>();
  for (const m of quality.bandMix) {
    const day = Date.parse(m.start);
    const entry = byDay.get(day) ?? new Map();
    entry.set(m.band, m);
    byDay.set(day, entry);
  }
  const known = [...byDay.keys()];
  if (known.length === 0) return null;
  const days: number[] = [];
  for (let d = Math.min(...known); d <= Math.max(...known); d += DAY_MS) days.push(d);
  const label = (d: number) =>
    new Date(d).toLocaleDateString("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });
  const total = (d: number) => [...(byDay.get(d)?.values() ?? [])].reduce((s, m) => s + m.weightedSurveys, 0);
  return (
    <section class="panel" aria-labelledby="mix-h" data-panel="band-mix">
      <h2 id="mix-h">Network band mix over time</h2>
      <ul class="legend">
        {NETWORK_BANDS.map((b) => (
          <li key={b}>
            <span class={`swatch band-${b}`} aria-hidden="true" />
            {BAND_LABELS[b]}
          </li>
        ))}
      </ul>
      <div
        class="mix"
        role="img"
        aria-label="Share of calls per network band and day; the table below has the numbers"
      >
        {days.map((d) => (
          <div class="day" key={d} title={label(d)}>
            {NETWORK_BANDS.map((b) => {
              const w = byDay.get(d)?.get(b)?.weightedSurveys ?? 0;
              const t = total(d);
              return t > 0 && w > 0 ? (
                <span key={b} class={`band-${b}`} style={{ height: `${(w / t) * 100}%` }} />
              ) : null;
            })}
          </div>
        ))}
      </div>
      <div class="mix-axis" aria-hidden="true">
        <span>{label(days[0] as number)}</span>
        <span>{label(days[days.length - 1] as number)}</span>
      </div>
      <details>
        <summary>
          Show the numbers <small>(UTC days; share of calls, surveys in brackets)</small>
        </summary>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {NETWORK_BANDS.map((b) => (
                  <th scope="col" class="num" key={b}>
                    {BAND_LABELS[b]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d}>
                  <th scope="row">{label(d)}</th>
                  {NETWORK_BANDS.map((b) => {
                    const m = byDay.get(d)?.get(b);
                    const t = total(d);
                    return (
                      <td class="num" key={b}>
                        {m && t > 0 ? (
                          <>
                            {percent(m.weightedSurveys / t, 0)} <small>({count(m.surveys)})</small>
                          </>
                        ) : (
                          "–"
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      {state.tz !== "UTC" && <p class="muted note">Days are UTC days, whatever the time zone above.</p>}
    </section>
  );
}
