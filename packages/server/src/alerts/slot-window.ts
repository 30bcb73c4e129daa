/**
 * Per-slot survey counts a rule has already taken in, so that every survey feeds the detector exactly
 * once even though the evaluator re-reads slots: each evaluation sends the *cumulative* counts of every
 * slot since the previous evaluation (the current slot is still filling; the last closed one may still
 * receive a late commit from another server), and only what grew since the last look is new.
 *
 * Slots may be one minute (read from raw rows) or the rollups' 15 minutes; a rule must keep one length.
 */

/** Counts of one slot `[startMs, startMs + slotMs)` of one rule's surveys (rated in its category). */
export interface SlotCounts {
  startMs: number;
  surveys: number;
  poor: number;
}

/** JSON-serialisable memory of the slots seen, kept for the rule's window only. */
export interface SlotWindowState {
  /** Slot length the counts were taken with. */
  slotMs: number;
  /** `nowMs` of the previous intake, or null before the first. */
  lastNowMs: number | null;
  /**
   * Slots ending at or before this instant were dropped from `slots` after being taken in; a re-send of
   * one is ignored. Null before the first intake.
   */
  retainedFromMs: number | null;
  /** Counts taken in so far, per slot overlapping the window, oldest first. */
  slots: SlotCounts[];
}

export interface SlotIntake {
  window: SlotWindowState;
  /** What is new since the previous intake. */
  surveys: number;
  poor: number;
  /** Start of the oldest slot that brought something new (null if nothing did). */
  firstNewSlotMs: number | null;
  /** Surveys in re-sent slots that had already left the window (a commit later than the window). */
  ignoredSurveys: number;
}

/** One evaluation may carry at most this many slots (a week of one-minute slots). */
export const MAX_SLOTS_PER_INTAKE = 10_080;

/** The memory of a rule that has taken in nothing yet. */
export const emptySlotWindow = (slotMs: number): SlotWindowState => ({
  slotMs,
  lastNowMs: null,
  retainedFromMs: null,
  slots: [],
});

function checkSlots(slots: readonly SlotCounts[], slotMs: number): void {
  if (!Number.isSafeInteger(slotMs) || slotMs < 60_000)
    throw new RangeError(`slotMs must be a whole number of milliseconds ≥ 60000, got ${slotMs}`);
  if (slots.length > MAX_SLOTS_PER_INTAKE)
    throw new RangeError(`at most ${MAX_SLOTS_PER_INTAKE} slots per evaluation, got ${slots.length}`);
  for (const [i, s] of slots.entries()) {
    const { startMs, surveys, poor } = s;
    if (!Number.isSafeInteger(startMs) || startMs % slotMs !== 0)
      throw new RangeError(`slots[${i}].startMs must be a multiple of slotMs (${slotMs}), got ${startMs}`);
    if (!Number.isSafeInteger(surveys) || surveys < 0)
      throw new RangeError(`slots[${i}].surveys must be a whole number ≥ 0, got ${surveys}`);
    if (!Number.isSafeInteger(poor) || poor < 0 || poor > surveys)
      throw new RangeError(`slots[${i}].poor must be a whole number from 0 to surveys, got ${poor}`);
  }
}

/** Index of the slot starting at `startMs` in the sorted `slots`, or −(insertion point) − 1. */
function indexOfSlot(slots: readonly SlotCounts[], startMs: number): number {
  let lo = 0;
  let hi = slots.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = (slots[mid] as SlotCounts).startMs;
    if (at === startMs) return mid;
    if (at < startMs) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/**
 * Take in the cumulative counts of `slots` at `nowMs`, keeping what overlaps `(nowMs − windowMs, nowMs]`.
 * Throws RangeError for counts that cannot come from a store (negative, poor > surveys, misaligned).
 */
export function takeSlots(
  state: SlotWindowState,
  slots: readonly SlotCounts[],
  slotMs: number,
  nowMs: number,
  windowMs: number,
): SlotIntake {
  checkSlots(slots, slotMs);
  let previous = state;
  let ignoreBeforeStartMs = Number.NEGATIVE_INFINITY;
  if (state.slotMs !== slotMs) {
    // Slots of another length overlap the ones taken in and cannot be told apart: start afresh and skip
    // slots begun before the previous intake (their surveys may have been counted; losing them is safe).
    previous = { slotMs, lastNowMs: state.lastNowMs, retainedFromMs: state.lastNowMs, slots: [] };
    ignoreBeforeStartMs = state.lastNowMs ?? Number.NEGATIVE_INFINITY;
  }
  const windowFromMs = nowMs - windowMs;
  // Slots taken in so far, oldest first; an evaluation usually brings one or two at the end.
  const kept = previous.slots.slice();
  let surveys = 0;
  let poor = 0;
  let ignoredSurveys = 0;
  let firstNewSlotMs: number | null = null;
  for (const s of slots) {
    // A slot that starts at or after `nowMs` (another server's clock ahead) is left for a later
    // evaluation, where it arrives again with its counts: nothing is lost, and the memory stays bounded.
    if (s.startMs >= nowMs) continue;
    const at = indexOfSlot(kept, s.startMs);
    const before = at >= 0 ? kept[at] : undefined;
    const left = previous.retainedFromMs !== null && s.startMs + slotMs <= previous.retainedFromMs;
    if (!before && (left || s.startMs < ignoreBeforeStartMs)) {
      ignoredSurveys += s.surveys;
      continue;
    }
    // Counts only grow; a smaller read (the same slot twice, or a stale replica) brings nothing new.
    const newSurveys = Math.max(0, s.surveys - (before?.surveys ?? 0));
    const newPoor = Math.min(newSurveys, Math.max(0, s.poor - (before?.poor ?? 0)));
    if (newSurveys === 0 && before) continue;
    surveys += newSurveys;
    poor += newPoor;
    if (newSurveys > 0 && (firstNewSlotMs === null || s.startMs < firstNewSlotMs)) firstNewSlotMs = s.startMs;
    if (before) {
      // Copy on write: the previous state's slot objects are left untouched.
      kept[at] = { startMs: s.startMs, surveys: before.surveys + newSurveys, poor: before.poor + newPoor };
    } else {
      kept.splice(-at - 1, 0, { startMs: s.startMs, surveys: newSurveys, poor: newPoor });
    }
  }
  let drop = 0;
  while (drop < kept.length && (kept[drop] as SlotCounts).startMs + slotMs <= windowFromMs) drop++;
  return {
    window: {
      slotMs,
      lastNowMs: nowMs,
      retainedFromMs: windowFromMs,
      slots: drop > 0 ? kept.slice(drop) : kept,
    },
    surveys,
    poor,
    firstNewSlotMs,
    ignoredSurveys,
  };
}

/** Surveys and poor ratings of the slots overlapping the window ending at `nowMs`. */
export function windowTotals(
  state: SlotWindowState,
  nowMs: number,
  windowMs: number,
): { surveys: number; poor: number } {
  let surveys = 0;
  let poor = 0;
  for (const s of state.slots) {
    if (s.startMs + state.slotMs > nowMs - windowMs && s.startMs <= nowMs) {
      surveys += s.surveys;
      poor += s.poor;
    }
  }
  return { surveys, poor };
}
