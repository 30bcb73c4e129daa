import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  FILTER_FIELDS,
  issuesByField,
  RULE_DEFAULTS,
  type RuleFieldPath,
  ruleFromForm,
} from "./alert-rule-body.js";
import { type AlertRule, type Api, ApiError, CATEGORIES } from "./api.js";
import { CATEGORY_LABELS, CONTEXT_LABELS } from "./format.js";

/**
 * Managing alert rules from the Alerts view: a form that creates a rule (the server fills what is left
 * empty and is the only validator: a refusal's messages are shown on the fields they name), and per rule
 * a switch and a delete with an inline confirmation. After each change the view reloads its lists.
 *
 * @module
 */

type Issues = ReturnType<typeof issuesByField>;
const inputId = (path: RuleFieldPath) => `rule-${path.replace(".", "-")}`;

/** A labelled input with its hint and the server's messages for it, tied by aria-describedby. */
function Field(props: {
  path: RuleFieldPath;
  label: string;
  hint?: string;
  issues: Issues;
  children: (attrs: Record<string, unknown>) => ComponentChildren;
}) {
  const { path, label, hint, issues } = props;
  const id = inputId(path);
  const messages = issues.get(path) ?? [];
  const described = [hint && `${id}-hint`, messages.length > 0 && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class="field" data-field={path}>
      <label for={id}>
        <span>{label}</span>
      </label>
      {props.children({
        id,
        name: path,
        "aria-invalid": messages.length > 0 ? "true" : undefined,
        "aria-describedby": described || undefined,
      })}
      {hint && (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      )}
      {messages.length > 0 && (
        <span id={`${id}-error`} class="field-error" data-error-for={path}>
          {messages.join(" ")}
        </span>
      )}
    </div>
  );
}

/** A text input that takes numbers: the server, not the browser, judges the value (form noValidate). */
const numberInput = (placeholder: string | number) => (attrs: Record<string, unknown>) => (
  <input {...attrs} type="text" inputMode="decimal" placeholder={String(placeholder)} autoComplete="off" />
);

/** The "New rule" form; `onCreated` runs once the server has stored the rule. */
export function NewRuleForm(props: { api: Api; project: string; onCreated: (rule: AlertRule) => void }) {
  const { api, project, onCreated } = props;
  const [issues, setIssues] = useState<Issues>(new Map());
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  // Only which baseline fields to show is state; the values stay in the (uncontrolled) inputs.
  const [baseline, setBaseline] = useState<"trailing" | "fixed">("trailing");
  const form = useRef<HTMLFormElement>(null);

  // After a refusal, focus the first field the server named, so its message is read out.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [issues]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setDone(null);
    try {
      const rule = await api.createAlertRule(project, ruleFromForm(new FormData(element)));
      setIssues(new Map());
      element.reset();
      setBaseline("trailing");
      setDone(`Rule “${rule.name}” created.`);
      onCreated(rule);
    } catch (error) {
      const issues =
        error instanceof ApiError && error.issues.length > 0
          ? error.issues
          : [{ code: "INVALID_TYPE" as const, path: "", message: (error as Error).message }];
      setIssues(issuesByField(issues));
    } finally {
      setBusy(false);
    }
  };

  const general = issues.get("") ?? [];
  const f = { issues };
  return (
    <section class="panel" aria-labelledby="new-rule-h">
      <h2 id="new-rule-h">New rule</h2>
      <form ref={form} class="rule-form" onSubmit={submit} noValidate aria-labelledby="new-rule-h">
        {general.length > 0 && (
          <p class="error" role="alert" data-error-for="">
            {general.join(" ")}
          </p>
        )}
        <Field {...f} path="name" label="Name" hint="Shown in notifications.">
          {(a) => <input {...a} type="text" required autoComplete="off" />}
        </Field>
        <Field {...f} path="category" label="Category">
          {(a) => (
            <select {...a}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {CATEGORY_LABELS[c]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {FILTER_FIELDS.map((field) => (
          <Field
            key={field}
            {...f}
            path={`filter.${field}`}
            label={CONTEXT_LABELS[field]}
            hint="Only surveys of exactly this value."
          >
            {(a) => <input {...a} type="text" placeholder="all" autoComplete="off" />}
          </Field>
        ))}
        <Field {...f} path="windowMinutes" label="Window (minutes)" hint="10–1440">
          {numberInput(RULE_DEFAULTS.windowMinutes)}
        </Field>
        <Field {...f} path="minimumSurveys" label="Minimum surveys in the window" hint="1–100,000">
          {numberInput(RULE_DEFAULTS.minimumSurveys)}
        </Field>
        <Field {...f} path="baseline.type" label="Baseline">
          {(a) => (
            <select {...a} onChange={(e) => setBaseline(e.currentTarget.value as "trailing" | "fixed")}>
              <option value="trailing">Trailing period</option>
              <option value="fixed">Fixed poor-rate</option>
            </select>
          )}
        </Field>
        {baseline === "trailing" ? (
          <>
            <Field {...f} path="baseline.days" label="Baseline days" hint="1–28">
              {numberInput(RULE_DEFAULTS.baselineDays)}
            </Field>
            <Field {...f} path="baseline.minimumSurveys" label="Baseline minimum surveys" hint="1–1,000,000">
              {numberInput(RULE_DEFAULTS.baselineMinimumSurveys)}
            </Field>
          </>
        ) : (
          <Field {...f} path="baseline.poorRate" label="Baseline poor-rate" hint="0.0001–0.99 (0.1 = 10 %)">
            {numberInput("0.1")}
          </Field>
        )}
        <Field {...f} path="minimumEffect.type" label="Minimum effect as">
          {(a) => (
            <select {...a}>
              <option value="difference">Difference of poor-rates</option>
              <option value="ratio">Ratio of poor-rates</option>
            </select>
          )}
        </Field>
        <Field
          {...f}
          path="minimumEffect.value"
          label="Minimum effect"
          hint="difference 0.005–0.5 (0.05 = 5 points); ratio 1.05–20"
        >
          {numberInput(RULE_DEFAULTS.minimumEffect)}
        </Field>
        <Field {...f} path="falseAlarmsPerWeek" label="False alarms per week" hint="0.001–7">
          {numberInput(RULE_DEFAULTS.falseAlarmsPerWeek)}
        </Field>
        <div class="rule-form-actions">
          <button type="submit" class="primary" disabled={busy}>
            Create rule
          </button>
          <span role="status" class="muted">
            {done}
          </span>
        </div>
      </form>
    </section>
  );
}

/** A rule's switch and delete (confirmed inline); `onChanged` runs after the server has changed it. */
export function RuleActions(props: { api: Api; project: string; rule: AlertRule; onChanged: () => void }) {
  const { api, project, rule, onChanged } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The confirmation replaces the focused Delete button: focus moves to its safe answer.
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  const run = async (change: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await change();
      setConfirming(false);
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="rule-actions">
      <button
        type="button"
        aria-pressed={rule.enabled ? "true" : "false"}
        data-action="enabled"
        disabled={busy}
        onClick={() => run(() => api.updateAlertRule(project, rule.id, { enabled: !rule.enabled }))}
      >
        Enabled<span class="sr-only">: {rule.name}</span>
      </button>
      {confirming ? (
        <span class="confirm">
          Delete?{" "}
          <button
            type="button"
            class="danger"
            data-action="delete-yes"
            disabled={busy}
            onClick={() => run(() => api.deleteAlertRule(project, rule.id))}
          >
            Yes<span class="sr-only">, delete {rule.name}</span>
          </button>{" "}
          <button
            ref={keep}
            type="button"
            data-action="delete-no"
            disabled={busy}
            onClick={() => setConfirming(false)}
          >
            No<span class="sr-only">, keep {rule.name}</span>
          </button>
        </span>
      ) : (
        <button type="button" class="ghost" data-action="delete" onClick={() => setConfirming(true)}>
          Delete<span class="sr-only"> {rule.name}</span>
        </button>
      )}
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
