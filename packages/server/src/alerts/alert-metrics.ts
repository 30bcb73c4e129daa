import { Gauge, type Registry } from "prom-client";
import type { Database } from "../store/database.js";

/**
 * Most projects reported per scrape (by project id order). Labels are bounded: project × 3 statuses ×
 * 4 categories at most, so a store with thousands of projects cannot blow up a Prometheus server; the
 * projects beyond the cap are summed into `project="_other"`.
 */
export const ALERT_METRICS_PROJECT_CAP = 100;

/**
 * `aftercall_alert_rules{project, category, status}`: enabled alert rules by their current status, read
 * from the store at scrape time (so every server reports the whole cluster).
 */
export function registerAlertMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: "aftercall_alert_rules",
    help: `Enabled alert rules by current status (ok, firing, resolved), per project and category; projects beyond the first ${ALERT_METRICS_PROJECT_CAP} are summed as _other.`,
    labelNames: ["project", "category", "status"],
    registers: [registry],
    async collect() {
      const found = await db.all<{ project_id: string; rule: string; status: string | null }>(
        `SELECT r.project_id, r.rule, s.status FROM alert_rules r
LEFT JOIN alert_state s ON s.project_id = r.project_id AND s.rule_id = r.id
WHERE r.enabled = 1 ORDER BY r.project_id`,
      );
      const projects = [...new Set(found.map((r) => r.project_id))].slice(0, ALERT_METRICS_PROJECT_CAP);
      const shown = new Set(projects);
      const counts = new Map<string, { labels: Record<string, string>; n: number }>();
      for (const row of found) {
        const project = shown.has(row.project_id) ? row.project_id : "_other";
        const category = String((JSON.parse(row.rule) as { category: string }).category);
        const status = row.status ?? "ok";
        const key = `${project}\u0000${category}\u0000${status}`;
        const entry = counts.get(key) ?? { labels: { project, category, status }, n: 0 };
        entry.n++;
        counts.set(key, entry);
      }
      this.reset();
      for (const { labels, n } of counts.values()) this.set(labels, n);
    },
  });
}
