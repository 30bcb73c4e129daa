// Runs in Chromium (bundled by e2e/react-acs-callbacks.e2e.test.ts): the React wrapper with the ACS UI
// library's survey callbacks, as an app moving from ACS's CallComposite writes them.
import { createSurveyClient } from "@aftercall/client";
import { AftercallSurvey } from "@aftercall/widget/react";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

export type CallbackLog = unknown[][];

function mount({ endpoint, projectKey, callId }: { endpoint: string; projectKey: string; callId: string }) {
  const log: CallbackLog = [];
  const client = createSurveyClient({ endpoint, projectKey });
  const host = document.createElement("div");
  document.body.replaceChildren(host);
  createRoot(host).render(
    createElement(AftercallSurvey, {
      client,
      call: { callId, participantId: "alice" },
      modalities: ["audio"],
      onSurveySubmitted: async (...args) => {
        await new Promise((r) => setTimeout(r, 50));
        log.push(["submitted", ...args]);
      },
      onSurveyClosed: (...args) => void log.push(["closed", ...args]),
    }),
  );
  window.callbackLog = log;
}

declare global {
  interface Window {
    mountReactSurvey: typeof mount;
    callbackLog: CallbackLog;
  }
}
window.mountReactSurvey = mount;
