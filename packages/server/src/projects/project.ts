import type { DataPolicy, ProjectLimits } from "@aftercall/api";
import type { SurveyConfig } from "@aftercall/schema";

/** A project: one app or tenant (the ACS "resource"). Every survey and key belongs to exactly one. */
export interface Project {
  id: string;
  name: string;
  /** Browser origins allowed to submit with the ingest key; empty means any origin. */
  allowedOrigins: string[];
  /** Reject surveys without `overallRating` (default true; false mirrors ACS web). */
  requireOverallRating: boolean;
  /** Azure-style resource id written into ACS-format records. */
  resourceId: string;
  /** What clients ask and whom (served by `GET /v1/config`). */
  surveyConfig: SurveyConfig;
  /** Retention and redaction (`lifecycle/`); the defaults keep everything and redact nothing. */
  dataPolicy: DataPolicy;
  /** Overrides of the server's rate limits and daily quotas (`limits/project-limits.ts`); `{}`: none. */
  limits: ProjectLimits;
  createdAt: string;
}

/** A project to create; without a survey configuration it gets the defaults. */
export type NewProject = Omit<Project, "createdAt" | "surveyConfig" | "dataPolicy" | "limits"> & {
  surveyConfig?: SurveyConfig;
};

/** `ingest` keys are publishable and may only submit; `admin` tokens are secret and may read and manage. */
export type ApiKeyKind = "ingest" | "admin";

/** An API key as listed: admin tokens never carry their secret, ingest keys do (they are public). */
export interface ApiKey {
  id: string;
  projectId: string;
  kind: ApiKeyKind;
  label: string;
  /** First characters of the token, to recognise it in lists. */
  prefix: string;
  /** Full token, for ingest keys only. */
  token?: string;
  createdAt: string;
  revokedAt?: string;
}

export interface NewApiKey {
  id: string;
  projectId: string;
  kind: ApiKeyKind;
  label: string;
  prefix: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  /** Stored only for ingest keys. */
  token?: string;
}
