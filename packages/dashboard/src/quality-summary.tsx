import type { CallQualitySummary, SurveyRecord } from "./api.js";
import { count, percent } from "./format.js";
import { BAND_LABELS } from "./quality-panels.js";

type Stream = NonNullable<NonNullable<CallQualitySummary["audio"]>["inbound"]>;
type Percentiles = NonNullable<Stream["rttMs"]>;

const KINDS = [
  ["audio", "Audio"],
  ["video", "Video"],
  ["screenshare", "Screen share"],
] as const;
const DIRECTIONS = [
  ["inbound", "received"],
  ["outbound", "sent"],
] as const;

const ms = (p: Percentiles | undefined) => (p ? `${fixed(p.p50)} / ${fixed(p.p95)}\u00a0ms` : undefined);
const fixed = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const duration = (seconds: number) =>
  seconds < 60 ? `${seconds}\u00a0s` : `${Math.floor(seconds / 60)}\u00a0min ${seconds % 60}\u00a0s`;

/** The columns of the per-stream table: a label and how a stream shows it (undefined: not measured). */
const COLUMNS: [string, (s: Stream) => string | undefined][] = [
  ["Loss", (s) => (s.lossFraction === undefined ? undefined : percent(s.lossFraction, 2))],
  ["Jitter p50 / p95", (s) => ms(s.jitterMs)],
  ["RTT p50 / p95", (s) => ms(s.rttMs)],
  ["Bitrate", (s) => (s.bitrateKbps === undefined ? undefined : `${count(s.bitrateKbps)}\u00a0kbit/s`)],
  ["FPS", (s) => (s.framesPerSecond === undefined ? undefined : fixed(s.framesPerSecond))],
  [
    "Freezes",
    (s) =>
      s.freezeCount === undefined
        ? undefined
        : `${count(s.freezeCount)}${s.freezeSeconds === undefined ? "" : ` (${fixed(s.freezeSeconds)}\u00a0s)`}`,
  ],
  ["Concealed", (s) => (s.concealmentRatio === undefined ? undefined : percent(s.concealmentRatio, 2))],
  ["Codec", (s) => s.codec],
];

/**
 * What the device measured during the call (`callQuality`), beside the band the server decided and the
 * probability the participant was asked with; nothing when the survey carries no measurement. Every
 * metric is optional (browsers report different subsets): a missing one shows as a dash.
 */
export function QualitySummary({ survey }: { survey: SurveyRecord }) {
  const q = survey.callQuality;
  if (!q && survey.networkBand === undefined && survey.askProbability === undefined) return null;
  const path = q?.path;
  const candidates =
    path?.localCandidateType || path?.remoteCandidateType
      ? `${path.localCandidateType ?? "?"} → ${path.remoteCandidateType ?? "?"}`
      : undefined;
  const facts: [string, string | undefined][] = [
    ["Network band", survey.networkBand ? BAND_LABELS[survey.networkBand] : "Not measured"],
    ["Estimated MOS", q?.mos === undefined ? undefined : q.mos.toFixed(2)],
    ["Asked with probability", percent(survey.askProbability ?? 1, 0)],
    ["Measured for", q ? duration(q.durationSeconds) : undefined],
    ["Candidates (local → remote)", candidates],
    ["Protocol", path?.protocol],
    ["Path RTT p50 / p95", ms(path?.rttMs)],
  ];
  const streams = KINDS.flatMap(([kind, kindLabel]) =>
    DIRECTIONS.flatMap(([direction, directionLabel]) => {
      const s = q?.[kind]?.[direction];
      return s ? [{ key: `${kind}.${direction}`, label: `${kindLabel} ${directionLabel}`, stream: s }] : [];
    }),
  );
  return (
    <section class="panel wide" data-quality={survey.networkBand ?? "none"} aria-labelledby="quality-h">
      <h2 id="quality-h">
        Call quality{" "}
        {survey.networkBand && (
          <span class={`chip band band-${survey.networkBand}`}>{survey.networkBand} network</span>
        )}
      </h2>
      <dl class="facts">
        {facts
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {streams.length > 0 && (
        <div class="scroll">
          <table class="streams">
            <thead>
              <tr>
                <th scope="col">Media</th>
                {COLUMNS.map(([label]) => (
                  <th scope="col" class="num" key={label}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {streams.map(({ key, label, stream }) => (
                <tr key={key} data-stream={key}>
                  <th scope="row">{label}</th>
                  {COLUMNS.map(([column, show]) => (
                    <td class="num" key={column}>
                      {show(stream) ?? <span class="muted">–</span>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!q && <p class="empty">The survey carries no measurement of the call.</p>}
    </section>
  );
}
