/**
 * When the project's alerts were firing, for the overview's trend: the transitions, fetched back to the
 * start of the range, and the periods they make ({@link firingPeriods} is pure, and unit-tested).
 *
 * @module
 */
import type { Alert, AlertTransition, Api } from "./api.js";

/** A period in which an alert was firing; `toMs` null: still firing. */
export interface FiringPeriod {
  ruleId: string;
  name: string;
  category: Alert["category"];
  fromMs: number;
  toMs: number | null;
}

/**
 * The firing periods of the project's alerts that overlap [fromMs, toMs), from the transitions (each
 * firing one opens a period, the next transition of the same rule closes it) and the alerts' names.
 */
export function firingPeriods(
  history: AlertTransition[],
  alerts: Alert[],
  range: { fromMs: number; toMs: number },
): FiringPeriod[] {
  const open = new Map<string, FiringPeriod>();
  const periods: FiringPeriod[] = [];
  const ordered = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const h of ordered) {
    const at = Date.parse(h.at);
    const current = open.get(h.ruleId);
    if (current && h.to !== "firing") {
      current.toMs = at;
      open.delete(h.ruleId);
    }
    if (h.to === "firing" && !current) {
      const alert = alerts.find((a) => a.ruleId === h.ruleId);
      const period: FiringPeriod = {
        ruleId: h.ruleId,
        name: h.record?.rule.name ?? alert?.name ?? h.ruleId,
        category: h.record?.rule.category ?? alert?.category ?? "overall",
        fromMs: at,
        toMs: null,
      };
      open.set(h.ruleId, period);
      periods.push(period);
    }
  }
  return periods.filter((p) => p.fromMs < range.toMs && (p.toMs === null || p.toMs > range.fromMs));
}

/** The transitions back to `fromMs` (pages of 500, newest first; at most a few pages). */
export async function historySince(api: Api, project: string, fromMs: number): Promise<AlertTransition[]> {
  const all: AlertTransition[] = [];
  let before: string | undefined;
  for (let page = 0; page < 5; page++) {
    const items = await api.alertHistory(project, { limit: 500, ...(before ? { before } : {}) });
    all.push(...items);
    const oldest = items.at(-1);
    if (items.length < 500 || !oldest || Date.parse(oldest.at) < fromMs) break;
    before = oldest.at;
  }
  return all;
}
