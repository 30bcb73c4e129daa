import { CATEGORIES, type CallQuality, type Category, NETWORK_BANDS } from "./api.js";
import type { ViewProps } from "./app.js";
import { CATEGORY_LABELS, count, interval, percent } from "./format.js";
import { useResource } from "./hooks.js";
import {
  BAND_LABELS,
  BandMix,
  explorerHref,
  GoodNetwork,
  MosVsScore,
  RateCell,
  TagsByBand,
} from "./quality-panels.js";

/**
 * Ratings beside the network they were given on: the band mix, poor-rates per category by band, poor
 * ratings the network does not explain, issue tags by band, MOS against score and the mix over time.
 * Every rate and share is weighted by 1/ask probability (the server's Hájek estimate), so a project that
 * asks after every poor call and a tenth of the good ones still reads unbiased numbers. Each band,
 * category and tag links to the explorer with the same filters.
 */
export function CallQualityView(props: ViewProps) {
  const { api, project, window } = props;
  const answer = useResource(`${project}|${JSON.stringify(window.filters)}`, () =>
    api.callQuality(project, window.filters),
  );
  const q = answer.data;
  return (
    <>
      <h1 class="title">Call quality</h1>
      <p class="lede">
        Ratings beside the network they were given on. Rates and shares are weighted by 1/ask probability, so
        asking more often after poor-network calls does not bias them; counts are surveys answered.
      </p>
      {answer.error && (
        <p class="error" role="alert">
          {answer.error.message}
        </p>
      )}
      <BandCards {...props} quality={q} loading={answer.loading} />
      {q && q.surveys > 0 && q.bands.every((b) => b.band === "none" || b.surveys === 0) && (
        <p class="panel" data-hint="no-measurement">
          No survey in this range carries a measurement of its call. Measure calls with the SDK's collector,{" "}
          <code>@aftercall/client/quality</code>, and its summary travels with each survey.
        </p>
      )}
      {q && q.surveys > 0 && (
        <>
          <PoorRateMatrix {...props} quality={q} />
          <div class="grid spaced">
            <GoodNetwork {...props} quality={q} />
            <MosVsScore quality={q} />
          </div>
          <TagsByBand {...props} quality={q} />
          <BandMix {...props} quality={q} />
        </>
      )}
      {q && q.surveys === 0 && <p class="empty panel">No surveys in this range.</p>}
    </>
  );
}

function BandCards(props: ViewProps & { quality: CallQuality | undefined; loading: boolean }) {
  const { quality: q, state } = props;
  const share = q?.goodNetwork.share;
  return (
    <section class="kpis" aria-label="Network bands" aria-busy={props.loading}>
      <article class="kpi">
        <h2>Surveys</h2>
        <p class="value" data-kpi="quality-surveys">
          {q ? count(q.surveys) : "…"}
        </p>
        <p class="sub">{q && <>standing for {count(Math.round(q.weightedSurveys))} calls</>}</p>
      </article>
      {NETWORK_BANDS.map((band) => {
        const b = q?.bands.find((x) => x.band === band);
        return (
          <article class={`kpi band-${band}`} key={band} data-band={band}>
            <h2>
              <a href={explorerHref(state, { networkBand: band })}>{BAND_LABELS[band]}</a>
            </h2>
            <p class="value">
              {q && b
                ? percent(q.weightedSurveys > 0 ? b.weightedSurveys / q.weightedSurveys : null, 0)
                : "…"}
            </p>
            <p class="sub">{b && <>of calls · {count(b.surveys)} surveys</>}</p>
          </article>
        );
      })}
      <article class="kpi" data-kpi="good-network-share">
        <h2>Poor on a good network</h2>
        <p class="value">{q ? percent(share?.rate) : "…"}</p>
        <p class="sub">
          {share ? (
            <>
              95 % CI {interval(share.ci95)}
              <br />
              of {count(share.of)} poor overall ratings
            </>
          ) : (
            q && "no poor overall rating with a band"
          )}
        </p>
      </article>
    </section>
  );
}

/** The bands a poor-rate row is shown for; `all` is every survey with a band (not a filter). */
const ROWS = [...NETWORK_BANDS.filter((b) => b !== "none"), "all", "none"] as const;

function PoorRateMatrix({ quality, state }: ViewProps & { quality: CallQuality }) {
  const entry = (category: Category, band: (typeof ROWS)[number]) =>
    quality.poorRates.find((r) => r.category === category && r.band === band);
  const max = Math.max(...quality.poorRates.map((r) => r.rate ?? 0), 0.01);
  const rows = ROWS.filter((band) => CATEGORIES.some((c) => entry(c, band)));
  return (
    <section class="panel" aria-labelledby="band-rates-h">
      <h2 id="band-rates-h">Poor-rate by network band</h2>
      <p class="muted">
        Weighted poor-rate (95 % CI) per category; a rate links to its surveys. If the network explained
        everything, the good-network row would be near zero.
      </p>
      <div class="scroll">
        <table class="band-rates">
          <thead>
            <tr>
              <th scope="col">Network</th>
              {CATEGORIES.map((c) => (
                <th scope="col" key={c}>
                  {CATEGORY_LABELS[c]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((band) => (
              <tr key={band} data-band={band}>
                <th scope="row">
                  {band === "all" ? (
                    "Any measured network"
                  ) : (
                    <a href={explorerHref(state, { networkBand: band })}>
                      <span class={`swatch band-${band}`} aria-hidden="true" />
                      {BAND_LABELS[band]}
                    </a>
                  )}
                </th>
                {CATEGORIES.map((category) => {
                  const e = entry(category, band);
                  return (
                    <td key={category} class="rate" data-cell={`${category}:${band}`}>
                      {band === "all" || !e || e.rate === null ? (
                        <RateCell entry={e} max={max} />
                      ) : (
                        <a
                          href={explorerHref(state, { networkBand: band, poor: category })}
                          class="plain"
                          title={`The poor ${CATEGORY_LABELS[category].toLowerCase()} ratings on a ${band === "none" ? "call without measurement" : `${band} network`}`}
                        >
                          <RateCell entry={e} max={max} />
                        </a>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
