import type { Database } from "../store/database.js";

/**
 * Caps on the custom dimensions a project's rollups keep: distinct keys per project, and distinct values
 * per key per UTC day. The ingest key is public, so without them one client sending random keys and
 * values makes every survey cost a rollup row per key and grows the rollups without bound.
 *
 * A survey past a cap is still stored whole, with every dimension it sent (lists, exports, deliveries and
 * filters see them). Only what the rollups count changes: a value past its key's daily cap counts as
 * {@link OTHER_DIMENSION_VALUE}, a key past the project's cap is not rolled up, and the answer lists both
 * (see {@link DimensionFold}). The keys and values seen are kept in `dimension_keys` and
 * `dimension_values` (migration 17), so every server on one store shares the count; two servers admitting
 * new values at the same instant may pass a cap by the few they admit together.
 *
 * @module
 */

/** The value a breakdown shows for the values past a key's daily cap. */
export const OTHER_DIMENSION_VALUE = "(other)";

/** The caps that apply to one project. */
export interface DimensionCaps {
  /** Distinct keys the project's rollups keep, ever. */
  keys: number;
  /** Distinct values each key's rollups keep per UTC day. */
  valuesPerDay: number;
}

/** What the caps changed for one survey. */
export interface DimensionFold {
  /** The dimensions the rollups count, when they differ from the survey's own. */
  rollup?: Record<string, string>;
  /** Keys past the project's cap: stored with the survey, not rolled up. */
  keysNotRolledUp: string[];
  /** Keys whose value was past the key's daily cap: rolled up as `(other)`. */
  valuesFolded: string[];
}

/** Admitted keys and values this process has seen; past this many entries it starts over. */
const CACHE_ENTRIES = 100_000;
/** How often (at most) days before yesterday are forgotten. */
const FORGET_EVERY_MS = 3_600_000;

const ADMIT_KEY = `INSERT INTO dimension_keys (project_id, dimension_key, first_seen)
SELECT ?, ?, ? WHERE (SELECT count(*) FROM dimension_keys WHERE project_id = ?) < ?
ON CONFLICT (project_id, dimension_key) DO NOTHING`;
const HAS_KEY = "SELECT 1 AS ok FROM dimension_keys WHERE project_id = ? AND dimension_key = ?";
const ADMIT_VALUE = `INSERT INTO dimension_values (project_id, day, dimension_key, dimension_value)
SELECT ?, ?, ?, ? WHERE (SELECT count(*) FROM dimension_values WHERE project_id = ? AND day = ? AND dimension_key = ?) < ?
ON CONFLICT (project_id, day, dimension_key, dimension_value) DO NOTHING`;
const HAS_VALUE =
  "SELECT 1 AS ok FROM dimension_values WHERE project_id = ? AND day = ? AND dimension_key = ? AND dimension_value = ?";

/** See the module comment. One per app; `fold` is called for each survey before it is committed. */
export class DimensionCapper {
  /** Keys and values known to be admitted: they stay admitted (a key for ever, a value for its day). */
  private readonly admitted = new Set<string>();
  /** Caps known to be reached (entry → the cap it was reached at): a new key or value only asks. */
  private readonly full = new Map<string, number>();
  private forgottenAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** What the rollups count of `dimensions`, received at `receivedAt` for `projectId` under `caps`. */
  async fold(
    projectId: string,
    dimensions: Record<string, string>,
    receivedAt: number,
    caps: DimensionCaps,
  ): Promise<DimensionFold> {
    const fold: DimensionFold = { keysNotRolledUp: [], valuesFolded: [] };
    const keys = Object.keys(dimensions);
    if (keys.length === 0) return fold;
    const day = new Date(receivedAt).toISOString().slice(0, 10);
    const rollup: Record<string, string> = {};
    for (const key of keys) {
      if (!(await this.admitKey(projectId, key, receivedAt, caps.keys))) {
        fold.keysNotRolledUp.push(key);
        continue;
      }
      const value = dimensions[key] as string;
      if (await this.admitValue(projectId, day, key, value, caps.valuesPerDay)) rollup[key] = value;
      else {
        rollup[key] = OTHER_DIMENSION_VALUE;
        fold.valuesFolded.push(key);
      }
    }
    if (fold.keysNotRolledUp.length > 0 || fold.valuesFolded.length > 0) fold.rollup = rollup;
    await this.forgetOldDays();
    return fold;
  }

  private async admitKey(projectId: string, key: string, at: number, cap: number): Promise<boolean> {
    const cached = `k\u0000${projectId}\u0000${key}`;
    if (this.admitted.has(cached)) return true;
    const full = `K\u0000${projectId}`;
    if (this.full.get(full) !== cap) await this.db.run(ADMIT_KEY, [projectId, key, at, projectId, cap]);
    return this.remember(cached, full, cap, await this.db.all(HAS_KEY, [projectId, key]));
  }

  private async admitValue(
    projectId: string,
    day: string,
    key: string,
    value: string,
    cap: number,
  ): Promise<boolean> {
    const cached = `v\u0000${projectId}\u0000${day}\u0000${key}\u0000${value}`;
    if (this.admitted.has(cached)) return true;
    const full = `V\u0000${projectId}\u0000${day}\u0000${key}`;
    if (this.full.get(full) !== cap)
      await this.db.run(ADMIT_VALUE, [projectId, day, key, value, projectId, day, key, cap]);
    return this.remember(cached, full, cap, await this.db.all(HAS_VALUE, [projectId, day, key, value]));
  }

  /**
   * Whether the lookup found the row. A found one is cached; a refusal marks the cap reached at `cap`,
   * so the next new one only looks itself up (a changed cap tries to admit again).
   */
  private remember(entry: string, full: string, cap: number, rows: unknown[]): boolean {
    if (this.admitted.size + this.full.size >= CACHE_ENTRIES) {
      this.admitted.clear();
      this.full.clear();
    }
    if (rows.length === 0) {
      this.full.set(full, cap);
      return false;
    }
    this.admitted.add(entry);
    return true;
  }

  /** Values of days before yesterday count for nothing any more: delete them, at most once an hour. */
  private async forgetOldDays(): Promise<void> {
    const now = this.now();
    if (now - this.forgottenAt < FORGET_EVERY_MS) return;
    this.forgottenAt = now;
    const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
    await this.db.run("DELETE FROM dimension_values WHERE day < ?", [yesterday]);
  }
}
