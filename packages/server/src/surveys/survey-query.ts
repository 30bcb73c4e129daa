import type { RatingCategory, SurveyRecord } from "@aftercall/schema";

/** Filters of the survey list; all optional, combined with AND. */
export interface SurveyQuery {
  /** Inclusive lower bound of `receivedAt`, epoch ms. */
  fromMs?: number;
  /** Exclusive upper bound of `receivedAt`, epoch ms. */
  toMs?: number;
  /** Only surveys rated poor in any of these categories. */
  poor?: RatingCategory[];
  /** Only surveys carrying this issue tag in this category. */
  tag?: { category: RatingCategory; tag: string };
  callId?: string;
  participantId?: string;
  /** Case-insensitive substring of the improvement suggestion of any category (Unicode lower case). */
  q?: string;
  /** Exact values of the context fields. */
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  /** Exact values of custom dimensions, every one must match (a survey without the key does not). */
  dimensions?: Record<string, string>;
  /** The network band decided at ingest; `none` for surveys without one. */
  networkBand?: NetworkBandFilter;
}

/** The values of the `networkBand` filter: a band, or `none` (no measured metric). */
export const NETWORK_BAND_FILTERS = ["good", "fair", "poor", "none"] as const;
export type NetworkBandFilter = (typeof NETWORK_BAND_FILTERS)[number];

export interface SurveyPage {
  items: SurveyRecord[];
  /** Opaque cursor of the next (older) page; absent on the last page. */
  nextCursor?: string;
}
