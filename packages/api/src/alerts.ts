import { type Static, Type } from "typebox";
import { CategorySchema, InstantSchema, ItemsOf, oneOf, ProjectIdSchema, ProjectParams } from "./common.js";
import { defineRoute } from "./route.js";

/**
 * Alert rules of a project (the poor-rate of a category, optionally of a cohort, watched every minute by
 * a sequential test), their current state and their history of transitions. The method and the limits
 * of every field are described in docs/alerts.md; the server checks a rule's body itself (with codes a
 * schema cannot give, such as `EFFECT_UNREACHABLE`), so the body schemas here document the shape.
 *
 * @module
 */

/** At most this many alert rules per project: each costs a few reads every minute. */
export const MAX_ALERT_RULES_PER_PROJECT = 50;

/** States of an alert. */
export const ALERT_STATES = ["ok", "firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

const text = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

export const AlertFilterSchema = Type.Object(
  {
    appVersion: Type.Optional(text("Exact appVersion.")),
    platform: Type.Optional(text("Exact platform.")),
    browser: Type.Optional(text("Exact browser.")),
    sdkVersion: Type.Optional(text("Exact sdkVersion.")),
    tag: Type.Optional(
      Type.Object(
        { category: CategorySchema, tag: Type.String() },
        {
          additionalProperties: false,
          description: 'An issue tag of the catalogue; input may also be "category:Tag".',
        },
      ),
    ),
    dimensions: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 200 }), {
        description: "Custom dimensions, every one must match (at most 20).",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The cohort watched, as exact matches; {} watches every survey.",
  },
);

export const AlertBaselineSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal("trailing"),
      days: Type.Integer({ minimum: 1, maximum: 28, description: "Length of the trailing period." }),
      minimumSurveys: Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: "Below this many surveys in the period the rule is held.",
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal("fixed"), poorRate: Type.Number({ minimum: 0.0001, maximum: 0.99 }) },
    { additionalProperties: false },
  ),
]);

export const MinimumEffectSchema = Type.Object(
  {
    type: oneOf(["difference", "ratio"] as const),
    value: Type.Number({ description: "difference 0.005–0.5 (0.05 = 5 points); ratio 1.05–20." }),
  },
  { additionalProperties: false },
);

const RULE_FIELDS = {
  name: Type.String({ minLength: 1, maxLength: 100, description: "Shown in notifications." }),
  category: CategorySchema,
  filter: AlertFilterSchema,
  windowMinutes: Type.Integer({ minimum: 10, maximum: 1440, description: "Default 60." }),
  baseline: AlertBaselineSchema,
  minimumSurveys: Type.Integer({ minimum: 1, maximum: 100_000, description: "Default 30." }),
  minimumEffect: MinimumEffectSchema,
  falseAlarmsPerWeek: Type.Number({ minimum: 0.001, maximum: 7, description: "Default 0.1." }),
};

/** A rule as sent: `name` and `category` required, every other field defaulted (docs/alerts.md). */
export const AlertRuleInputSchema = Type.Object(
  {
    ...Type.Partial(Type.Object(RULE_FIELDS)).properties,
    name: RULE_FIELDS.name,
    category: RULE_FIELDS.category,
    enabled: Type.Optional(Type.Boolean({ default: true, description: "A disabled rule is not evaluated." })),
  },
  { additionalProperties: false, title: "AlertRuleInput" },
);
/** A rule as a client sends it (the server fills every omitted default). */
export type AlertRuleInput = Static<typeof AlertRuleInputSchema>;

/** A change of a rule: the given fields replace the stored ones (the result is checked as a whole). */
export const AlertRulePatchSchema = Type.Partial(
  Type.Object({ ...RULE_FIELDS, enabled: Type.Boolean() }, { additionalProperties: false }),
  { additionalProperties: false, title: "AlertRulePatch" },
);
/** A change of a rule as a client sends it. */
export type AlertRulePatch = Static<typeof AlertRulePatchSchema>;

/** A rule's current state, as the evaluator last left it. */
export const AlertStateViewSchema = Type.Object(
  {
    status: oneOf(ALERT_STATES),
    since: InstantSchema,
    lastEvaluatedAt: Type.Union([InstantSchema, Type.Null()]),
    held: Type.Union([Type.String(), Type.Null()], {
      description:
        "Why the last evaluation did not apply its test: baseline-too-small, effect-unreachable, below-minimum-sample, stale-evaluation.",
    }),
    window: Type.Union([
      Type.Object(
        {
          surveys: Type.Integer(),
          poor: Type.Integer(),
          poorRate: Type.Union([Type.Number(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    statistic: Type.Number({ description: "The CUSUM's evidence of a rise (nats)." }),
    threshold: Type.Union([Type.Number(), Type.Null()], { description: "Evidence needed to fire." }),
  },
  { additionalProperties: false },
);

export const AlertRuleSchema = Type.Object(
  {
    id: Type.String(),
    projectId: ProjectIdSchema,
    ...RULE_FIELDS,
    enabled: Type.Boolean(),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
    state: AlertStateViewSchema,
  },
  { additionalProperties: false, title: "AlertRule" },
);
export type AlertRuleView = Static<typeof AlertRuleSchema>;

const count = Type.Integer({ minimum: 0 });
const rate = Type.Union([Type.Number(), Type.Null()]);
const interval = Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]);
/** Surveys rated in the rule's category, the poor ones, their rate and its 95 % Wilson interval. */
const RateWithIntervalFields = { surveys: count, poor: count, poorRate: rate, poorRateCi95: interval };
const CountsFields = { surveys: count, poor: count };

/** One value (a tag, an app version, a dimension value, a band…) and the excess poor ratings it carries. */
export const ExcessContributionSchema = Type.Object(
  {
    value: Type.String(),
    window: Type.Object({ ...CountsFields, poorRate: Type.Number() }, { additionalProperties: false }),
    baseline: Type.Object(
      {
        ...CountsFields,
        poorRate: Type.Number(),
        source: oneOf(["own", "overall"] as const, {
          description: "overall: too few baseline surveys of its own (a new app version).",
        }),
      },
      { additionalProperties: false },
    ),
    expectedPoor: Type.Number({ description: "Poor ratings expected in the window at the baseline rate." }),
    excessPoor: Type.Number({ description: "Observed minus expected poor ratings." }),
    excessPoorCi95: Type.Tuple([Type.Number(), Type.Number()]),
    shareOfExcess: Type.Union([Type.Number(), Type.Null()]),
    significant: Type.Boolean({ description: "The interval excludes 0." }),
  },
  { additionalProperties: false },
);
export type ExcessContributionView = Static<typeof ExcessContributionSchema>;

/** The values of one breakdown that carry an alert's excess, largest first. */
export const ExcessExplanationSchema = Type.Object(
  {
    dimension: Type.String({
      description: 'What the values are: "tag", "appVersion", "platform", "dimension.<key>", "networkBand"…',
    }),
    contributions: Type.Array(ExcessContributionSchema),
    omitted: count,
    totalExcessPoor: rate,
    totalExcessPoorCi95: interval,
    composition: Type.Union([Type.Number(), Type.Null()], {
      description: "Excess carried by the mix moving rather than by any value's own rise (partitions).",
    }),
  },
  { additionalProperties: false },
);
export type ExcessExplanationView = Static<typeof ExcessExplanationSchema>;

/** The `CallSurveyAlert` record of a firing or resolving transition (docs/alerts.md). */
export const AlertRecordSchema = Type.Object(
  {
    id: Type.String(),
    projectId: ProjectIdSchema,
    time: InstantSchema,
    rule: Type.Object({ id: Type.String(), ...RULE_FIELDS }, { additionalProperties: false }),
    transition: Type.Object(
      { from: oneOf(ALERT_STATES), to: oneOf(ALERT_STATES), reason: Type.String() },
      { additionalProperties: false },
    ),
    firingSince: Type.Union([InstantSchema, Type.Null()]),
    statistics: Type.Object(
      {
        window: Type.Object(
          { ...RateWithIntervalFields, from: InstantSchema, to: InstantSchema },
          { additionalProperties: false },
        ),
        baseline: Type.Object(
          {
            ...RateWithIntervalFields,
            type: oneOf(["trailing", "fixed"] as const),
            from: InstantSchema,
            to: InstantSchema,
          },
          { additionalProperties: false },
        ),
        evidence: Type.Union([
          Type.Object({ ...RateWithIntervalFields, since: InstantSchema }, { additionalProperties: false }),
          Type.Null(),
        ]),
        test: Type.Object(
          {
            method: Type.Literal("bernoulli-cusum"),
            inControlRate: rate,
            boundaryRate: rate,
            alternativeRate: rate,
            statistic: Type.Number(),
            threshold: rate,
            recoveryStatistic: Type.Number(),
            recoveryThreshold: Type.Number(),
            falseAlarmsPerWeek: Type.Number(),
            surveysPerWeek: rate,
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    explanations: Type.Array(ExcessExplanationSchema),
    links: Type.Object(
      { dashboard: Type.Union([Type.String(), Type.Null()]) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: "CallSurveyAlert" },
);
export type AlertRecord = Static<typeof AlertRecordSchema>;

/** One transition of a rule, with the `CallSurveyAlert` record delivered for it. */
export const AlertHistoryEntrySchema = Type.Object(
  {
    id: Type.String({ description: "The record id, `<rule id>:<to>:<epoch ms>`." }),
    ruleId: Type.String(),
    from: oneOf(ALERT_STATES),
    to: oneOf(ALERT_STATES),
    reason: Type.String(),
    at: InstantSchema,
    record: Type.Union([AlertRecordSchema, Type.Null()], {
      description:
        "The CallSurveyAlert record (statistics, explanations) for firing and resolved; null for fading back to ok.",
    }),
  },
  { additionalProperties: false, title: "AlertHistoryEntry" },
);
export type AlertHistoryEntry = Static<typeof AlertHistoryEntrySchema>;

const RuleParams = Type.Object(
  { projectId: ProjectIdSchema, ruleId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const BASE = "/v1/projects/:projectId/alert-rules";
const common = { tags: ["alerts"], auth: "admin" } as const;

export const listAlertRules = defineRoute({
  ...common,
  method: "GET",
  url: BASE,
  operationId: "listAlertRules",
  summary: "List a project's alert rules with their state",
  params: ProjectParams,
  responses: { 200: ItemsOf(AlertRuleSchema) },
});

export const createAlertRule = defineRoute({
  ...common,
  method: "POST",
  url: BASE,
  operationId: "createAlertRule",
  summary: "Create an alert rule",
  description: `Omitted fields take their defaults (docs/alerts.md). At most ${MAX_ALERT_RULES_PER_PROJECT} rules per project (409 ALERT_RULE_LIMIT_REACHED). The rule starts in state ok and is evaluated every minute.`,
  params: ProjectParams,
  body: AlertRuleInputSchema,
  bodyCheckedByHandler: true,
  responses: { 201: AlertRuleSchema },
  errors: [409],
});

export const getAlertRule = defineRoute({
  ...common,
  method: "GET",
  url: `${BASE}/:ruleId`,
  operationId: "getAlertRule",
  summary: "Read an alert rule and its state",
  params: RuleParams,
  responses: { 200: AlertRuleSchema },
  errors: [404],
});

export const updateAlertRule = defineRoute({
  ...common,
  method: "PATCH",
  url: `${BASE}/:ruleId`,
  operationId: "updateAlertRule",
  summary: "Change an alert rule",
  description:
    "The given fields replace the stored ones. A change of what is watched (category, filter, window, baseline, effect, budget) restarts the rule's detector in state ok; a change of name or enabled keeps it.",
  params: RuleParams,
  body: AlertRulePatchSchema,
  bodyCheckedByHandler: true,
  responses: { 200: AlertRuleSchema },
  errors: [404],
});

export const deleteAlertRule = defineRoute({
  ...common,
  method: "DELETE",
  url: `${BASE}/:ruleId`,
  operationId: "deleteAlertRule",
  summary: "Delete an alert rule and its state (its history stays)",
  params: RuleParams,
  responses: { 204: null },
  errors: [404],
});

export const AlertHistoryQuery = Type.Object(
  {
    ruleId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this rule." })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    before: Type.Optional(InstantSchema),
  },
  { additionalProperties: false },
);

export const listAlertHistory = defineRoute({
  ...common,
  method: "GET",
  url: "/v1/projects/:projectId/alerts/history",
  operationId: "listAlertHistory",
  summary: "Transitions of the project's alerts, newest first",
  params: ProjectParams,
  querystring: AlertHistoryQuery,
  responses: { 200: ItemsOf(AlertHistoryEntrySchema) },
});

export const AlertSchema = Type.Object(
  {
    ruleId: Type.String(),
    name: Type.String(),
    category: CategorySchema,
    status: oneOf(ALERT_STATES),
    since: InstantSchema,
    latest: Type.Union([AlertHistoryEntrySchema, Type.Null()], {
      description: "The rule's latest notifying transition (firing or resolved), with its explanation.",
    }),
  },
  { additionalProperties: false, title: "Alert" },
);
export type Alert = Static<typeof AlertSchema>;

export const listAlerts = defineRoute({
  ...common,
  method: "GET",
  url: "/v1/projects/:projectId/alerts",
  operationId: "listAlerts",
  summary: "The alerts of the project: every rule's status, firing first",
  params: ProjectParams,
  responses: { 200: ItemsOf(AlertSchema) },
});
