/**
 * `@aftercall/widget/react`: `<AftercallSurvey>`, a thin React (18 and 19) wrapper around the
 * `<aftercall-survey>` element. Strings become attributes; `client`, `call` and `strings` are set as
 * properties before the element's first render; the element's events arrive as `onSubmit`, `onSkip` and
 * `onError`, and also as the ACS UI library's survey callbacks (`onSurveySubmitted`, `onSurveyClosed`;
 * `disableSurvey` renders nothing), so handlers written for ACS's `CallComposite` keep working.
 *
 * @example
 * ```tsx
 * import { AftercallSurvey } from "@aftercall/widget/react";
 *
 * <AftercallSurvey
 *   client={surveys}
 *   call={{ callId, participantId }}
 *   modalities={["audio", "video"]}
 *   onSubmit={(e) => console.log(e.detail.id, e.detail.status)}
 *   onSkip={() => close()}
 * />
 * ```
 *
 * @module
 */
import type { CallIdentity, SurveyClient, SurveyError } from "@aftercall/client";
import type { CallSurvey, RatingCategory } from "@aftercall/schema";
import {
  type CSSProperties,
  createElement,
  type ForwardRefExoticComponent,
  forwardRef,
  type RefAttributes,
  useCallback,
  useLayoutEffect,
  useRef,
} from "react";
import {
  type CallSurveyImprovementSuggestions,
  type SurveyClosedState,
  surveySubmittedArguments,
} from "./acs-callbacks.js";
import { defineAftercallSurvey } from "./define.js";
import type { SurveyStrings } from "./strings.js";
import type { AftercallSurveyElement, SurveySkipDetail, SurveySubmitDetail } from "./survey-element.js";

defineAftercallSurvey();

export type { CallSurveyImprovementSuggestions, SurveyClosedState } from "./acs-callbacks.js";

/** Props of {@link AftercallSurvey}; each matches the element attribute or property of the same name. */
export interface AftercallSurveyProps {
  endpoint?: string;
  projectKey?: string;
  callId?: string;
  participantId?: string;
  /** A ready client, instead of `endpoint` + `projectKey`. */
  client?: SurveyClient;
  /** The call, instead of `callId` + `participantId`. Compared by value, so a new object each render is fine. */
  call?: CallIdentity;
  modalities?: readonly Exclude<RatingCategory, "overall">[] | string;
  details?: "poor" | "always";
  lang?: string;
  theme?: "light" | "dark";
  strings?: Partial<SurveyStrings>;
  id?: string;
  className?: string;
  style?: CSSProperties;
  onSubmit?: (event: CustomEvent<SurveySubmitDetail>) => void;
  onSkip?: (event: CustomEvent<SurveySkipDetail>) => void;
  onError?: (event: CustomEvent<SurveyError>) => void;
  /**
   * As in the ACS UI library: after a survey was sent (or safely queued), with the call and survey ids,
   * the ratings as ACS's `CallSurvey` and the free text apart. `onSurveyClosed("sent")` follows once it
   * settled.
   */
  onSurveySubmitted?: (
    callId: string,
    surveyId: string,
    submittedSurvey: CallSurvey,
    improvementSuggestions: CallSurveyImprovementSuggestions,
  ) => Promise<void> | void;
  /**
   * As in the ACS UI library: `sent` after a submission, `skipped` when the participant skipped, `error`
   * (with the message) when sending failed for good or `onSurveySubmitted` threw. The element still
   * offers a retry after an error; an app routing away on `error` just leaves it.
   */
  onSurveyClosed?: (surveyState: SurveyClosedState, surveyError?: string) => void;
  /** As in the ACS UI library: `true` renders no survey at all. */
  disableSurvey?: boolean;
}

const EVENTS = [
  ["aftercall-submit", "onSubmit"],
  ["aftercall-skip", "onSkip"],
  ["aftercall-error", "onError"],
] as const;

/** Call the ACS UI library's callbacks for one of the element's events. */
async function closeAsAcs(props: AftercallSurveyProps, event: Event): Promise<void> {
  const { onSurveySubmitted, onSurveyClosed } = props;
  const detail = (event as CustomEvent).detail;
  if (event.type === "aftercall-skip") return onSurveyClosed?.("skipped");
  if (event.type === "aftercall-error") return onSurveyClosed?.("error", (detail as SurveyError).message);
  try {
    await onSurveySubmitted?.(...surveySubmittedArguments(detail as SurveySubmitDetail));
  } catch (e) {
    return onSurveyClosed?.("error", String((e as Error)?.message ?? e));
  }
  onSurveyClosed?.("sent");
}

/** The `<aftercall-survey>` element as a React component; its ref is the element. */
export const AftercallSurvey: ForwardRefExoticComponent<
  AftercallSurveyProps & RefAttributes<AftercallSurveyElement>
> = forwardRef<AftercallSurveyElement, AftercallSurveyProps>(function AftercallSurvey(props, forwarded) {
  const { client, call, strings, modalities, projectKey, callId, participantId, className, ...rest } = props;
  const element = useRef<AftercallSurveyElement | null>(null);
  const latest = useRef(props);
  latest.current = props;

  // Layout effects run before the element's first (microtask) render, so it starts with its client.
  useLayoutEffect(() => {
    const el = element.current;
    if (!el) return;
    el.client = client;
    el.call = call;
    el.strings = strings;
  }, [client, call, strings]);

  useLayoutEffect(() => {
    const el = element.current;
    if (!el) return;
    const listeners = EVENTS.map(([type, prop]) => {
      const listener = (event: Event) => {
        (latest.current[prop] as ((e: Event) => void) | undefined)?.(event);
        void closeAsAcs(latest.current, event);
      };
      el.addEventListener(type, listener);
      return () => el.removeEventListener(type, listener);
    });
    return () => {
      for (const remove of listeners) remove();
    };
  }, []);

  const ref = useCallback(
    (el: AftercallSurveyElement | null) => {
      element.current = el;
      if (typeof forwarded === "function") forwarded(el);
      else if (forwarded) forwarded.current = el;
    },
    [forwarded],
  );

  const attributes: Record<string, unknown> = {
    ref,
    id: rest.id,
    class: className,
    style: rest.style,
    endpoint: rest.endpoint,
    lang: rest.lang,
    theme: rest.theme,
    details: rest.details,
    "project-key": projectKey,
    "call-id": callId,
    "participant-id": participantId,
    modalities: Array.isArray(modalities) ? modalities.join(",") : modalities,
  };
  for (const key of Object.keys(attributes)) if (attributes[key] === undefined) delete attributes[key];
  return props.disableSurvey ? null : createElement("aftercall-survey", attributes);
});
