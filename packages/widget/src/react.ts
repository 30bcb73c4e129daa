/**
 * `@aftercall/widget/react`: `<AftercallSurvey>`, a thin React (18 and 19) wrapper around the
 * `<aftercall-survey>` element. Strings become attributes; `client`, `call` and `strings` are set as
 * properties before the element's first render; the element's events arrive as `onSubmit`, `onSkip` and
 * `onError`.
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
import type { RatingCategory } from "@aftercall/schema";
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
import { defineAftercallSurvey } from "./define.js";
import type { SurveyStrings } from "./strings.js";
import type { AftercallSurveyElement, SurveySkipDetail, SurveySubmitDetail } from "./survey-element.js";

defineAftercallSurvey();

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
}

const EVENTS = [
  ["aftercall-submit", "onSubmit"],
  ["aftercall-skip", "onSkip"],
  ["aftercall-error", "onError"],
] as const;

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
      const listener = (event: Event) => (latest.current[prop] as ((e: Event) => void) | undefined)?.(event);
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
  return createElement("aftercall-survey", attributes);
});
