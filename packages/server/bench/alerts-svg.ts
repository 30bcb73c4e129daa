/**
 * The figure of `npm run bench:alerts`, as a self-contained SVG (no plotting dependency): on the left the
 * share of regressions detected against minutes since the step, on the right false alarms per rule-week
 * on a log scale with the goal as a line.
 */

export interface Curve {
  label: string;
  color: string;
  dashed?: boolean;
  /** Sorted detection delays in minutes (Infinity = not detected), of `trials` trials. */
  delays: number[];
}

export interface Bar {
  label: string;
  color: string;
  perWeek: number;
  ci95: [number, number];
}

export interface Figure {
  title: string;
  curvesTitle: string;
  maxMinutes: number;
  curves: Curve[];
  barsTitle: string;
  bars: Bar[];
  goalPerWeek: number;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (n: number) => Number(n.toFixed(1)).toString();
const text = (x: number, y: number, s: string, extra = "") =>
  `<text x="${fmt(x)}" y="${fmt(y)}"${extra}>${escapeXml(s)}</text>`;

function detectionPanel(f: Figure, x0: number, y0: number, w: number, h: number): string[] {
  const out: string[] = [];
  const px = (minutes: number) => x0 + (minutes / f.maxMinutes) * w;
  const py = (share: number) => y0 + h - share * h;
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let m = 0; m <= f.maxMinutes; m += 60) {
    out.push(`<line x1="${fmt(px(m))}" y1="${y0 + h}" x2="${fmt(px(m))}" y2="${y0 + h + 4}" stroke="#666"/>`);
    if (m % 120 === 0) out.push(text(px(m), y0 + h + 17, `${m / 60} h`, ' text-anchor="middle"'));
  }
  for (let s = 0; s <= 1.0001; s += 0.25) {
    out.push(`<line x1="${x0}" y1="${fmt(py(s))}" x2="${x0 + w}" y2="${fmt(py(s))}" stroke="#eee"/>`);
    out.push(text(x0 - 6, py(s) + 4, `${Math.round(s * 100)}%`, ' text-anchor="end"'));
  }
  out.push(
    `<line x1="${fmt(px(60))}" y1="${y0}" x2="${fmt(px(60))}" y2="${y0 + h}" stroke="#bbb" stroke-dasharray="2 3"/>`,
  );
  out.push(
    `<line x1="${x0}" y1="${fmt(py(0.5))}" x2="${x0 + w}" y2="${fmt(py(0.5))}" stroke="#bbb" stroke-dasharray="2 3"/>`,
  );
  // The legend sits on a white box drawn over the curves, so that it stays readable.
  const legendAt = out.length;
  out.push(
    `<rect x="${x0 + w - 238}" y="${y0 + 4}" width="232" height="${f.curves.length * 16 + 8}" fill="#fff" stroke="#ddd"/>`,
  );
  const paths: string[] = [];
  f.curves.forEach((c, i) => {
    // A step function of the empirical distribution of the delays.
    const trials = c.delays.length;
    let d = `M${fmt(px(0))},${fmt(py(0))}`;
    let detected = 0;
    for (const delay of c.delays) {
      if (!Number.isFinite(delay) || delay > f.maxMinutes) break;
      d += ` H${fmt(px(delay))}`;
      detected++;
      d += ` V${fmt(py(detected / trials))}`;
    }
    d += ` H${fmt(px(f.maxMinutes))}`;
    const dash = c.dashed ? ' stroke-dasharray="6 4"' : "";
    paths.push(`<path d="${d}" fill="none" stroke="${c.color}" stroke-width="2"${dash}/>`);
    const ly = y0 + 16 + i * 16;
    out.push(
      `<line x1="${x0 + w - 230}" y1="${ly - 4}" x2="${x0 + w - 206}" y2="${ly - 4}" stroke="${c.color}" stroke-width="2"${dash}/>`,
    );
    out.push(text(x0 + w - 200, ly, c.label));
  });
  out.splice(legendAt, 0, ...paths);
  out.push(
    text(
      x0 + w / 2,
      y0 + h + 34,
      "time since the step (rules evaluated every minute)",
      ' text-anchor="middle"',
    ),
  );
  out.push(text(x0, y0 - 10, f.curvesTitle, ' font-weight="bold"'));
  return out;
}

function barsPanel(f: Figure, x0: number, y0: number, w: number, h: number): string[] {
  const out: string[] = [];
  const lo = 0.001;
  const hi = Math.max(100, ...f.bars.map((b) => b.ci95[1]));
  const py = (v: number) =>
    y0 + h - ((Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    out.push(`<line x1="${x0}" y1="${fmt(py(v))}" x2="${x0 + w}" y2="${fmt(py(v))}" stroke="#eee"/>`);
    out.push(text(x0 - 6, py(v) + 4, `${v >= 1 ? v.toFixed(0) : v}`, ' text-anchor="end"'));
  }
  const slot = w / f.bars.length;
  f.bars.forEach((b, i) => {
    const cx = x0 + slot * (i + 0.5);
    const top = py(b.perWeek);
    out.push(
      `<rect x="${fmt(cx - slot * 0.3)}" y="${fmt(top)}" width="${fmt(slot * 0.6)}" height="${fmt(y0 + h - top)}" fill="${b.color}" opacity="0.8"/>`,
    );
    out.push(
      `<line x1="${fmt(cx)}" y1="${fmt(py(b.ci95[0]))}" x2="${fmt(cx)}" y2="${fmt(py(b.ci95[1]))}" stroke="#222"/>`,
    );
    out.push(
      text(cx, top - 6, b.perWeek < 1 ? b.perWeek.toFixed(3) : b.perWeek.toFixed(1), ' text-anchor="middle"'),
    );
    b.label.split("\n").forEach((line, j) => {
      out.push(text(cx, y0 + h + 16 + j * 14, line, ' text-anchor="middle"'));
    });
  });
  const goal = py(f.goalPerWeek);
  out.push(
    `<line x1="${x0}" y1="${fmt(goal)}" x2="${x0 + w}" y2="${fmt(goal)}" stroke="#c00" stroke-dasharray="5 3"/>`,
  );
  out.push(
    text(x0 + w - 4, goal - 5, `goal ≤ ${f.goalPerWeek} per rule-week`, ' text-anchor="end" fill="#c00"'),
  );
  out.push(text(x0, y0 - 10, f.barsTitle, ' font-weight="bold"'));
  return out;
}

export function detectionFigure(f: Figure): string {
  const width = 1100;
  const height = 470;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">${escapeXml(f.title)}: ${escapeXml(f.curvesTitle)}; ${escapeXml(f.barsTitle)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(20, 26, f.title, ' font-size="15" font-weight="bold"'),
    ...detectionPanel(f, 60, 70, 560, 330),
    ...barsPanel(f, 720, 70, 360, 330),
    "</svg>",
  ];
  return `${parts.join("\n")}\n`;
}
