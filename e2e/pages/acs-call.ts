// Runs in Chromium (bundled by e2e/acs-feature.e2e.test.ts): the real @azure/communication-calling
// without its service. A CallClient, a CallAgent made from a well-formed (unsigned) token, and the Call
// object `agent.join()` returns; the SDK's requests to its service are refused, so the call ends
// Disconnected. The surveys then go through ACS's own `call.feature()` to Aftercall's feature.

import { AftercallCallSurvey, configureAftercall, Features } from "@aftercall/client/acs";
import { Features as AcsFeatures, CallClient, type CallSurvey } from "@azure/communication-calling";
import { AzureCommunicationTokenCredential } from "@azure/communication-common";
import * as app from "../../packages/client/test/acs/tutorial-app.aftercall.js";

export interface ErrorFields {
  name: string;
  code: number;
  subCode: number;
  message: string;
  isError: boolean;
}

const fieldsOf = (e: ErrorFields): ErrorFields => ({
  name: e.name,
  code: e.code,
  subCode: e.subCode,
  message: e.message,
  isError: e instanceof Error,
});

/** The error fields a rejected promise carries; `undefined` if it resolved. */
const rejection = (p: Promise<unknown>): Promise<ErrorFields | undefined> =>
  p.then(
    () => undefined,
    (e: ErrorFields) => fieldsOf(e),
  );

/** A token the Calling SDK accepts locally (it parses, never verifies, the signature). */
function unsignedToken(): string {
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  const resource = "11111111-2222-3333-4444-555555555555";
  const claims = {
    skypeid: `acs:${resource}_00000000-0000-0000-0000-000000000001`,
    scp: 1792,
    csi: String(now),
    exp: now + 3600,
    rgn: "amer",
    acsScope: "voip",
    resourceId: resource,
    resourceLocation: "unitedstates",
    iat: now,
  };
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2lnbmF0dXJl`;
}

async function scenario({ endpoint, projectKey }: { endpoint: string; projectKey: string }) {
  configureAftercall({ endpoint, projectKey });
  const agent = await new CallClient().createCallAgent(
    new AzureCommunicationTokenCredential(unsignedToken()),
  );
  const call = agent.join({ groupId: "29228d3e-040e-4656-a70e-890ab4e173e5" });
  // As ACS's tutorial says, the survey comes once the call has ended.
  const until = Date.now() + 60_000;
  while (call.state !== "Disconnected" && Date.now() < until) await new Promise((r) => setTimeout(r, 100));

  const ours = call.feature(Features.CallSurvey);
  const acsOwn = call.feature(AcsFeatures.CallSurvey);
  const dispatch = {
    isAftercall: ours instanceof AftercallCallSurvey,
    oncePerCall: ours === call.feature(Features.CallSurvey),
    acsOwnIsAcs: !(acsOwn instanceof AftercallCallSurvey) && typeof acsOwn.submitSurvey === "function",
    otherFeaturesAreAcs: Features.Recording === AcsFeatures.Recording,
  };
  const identity = {
    id: call.id,
    participantId: call.info.participantId,
    state: call.state,
    endReason: call.callEndReason ?? null,
  };

  const responses = [
    await app.rateCallOnly(call),
    await app.rateOnCustomScale(call),
    await app.rateOverallAudioVideo(call),
  ];
  const report = await app.submitAndReport(call, { overallRating: { score: 9 } });

  // The same invalid survey through ACS's own feature, for comparison.
  const invalid: CallSurvey = { overallRating: { score: 9 } };
  const acsInvalid = await rejection(acsOwn.submitSurvey(invalid));
  const ourInvalid = await rejection(ours.submitSurvey(invalid));

  // A server that cannot be reached, without the offline queue: ACS's 408.
  configureAftercall({ endpoint: "http://127.0.0.1:9", projectKey, offlineQueue: false });
  const unreachable = await rejection(ours.submitSurvey({ overallRating: { score: 4 } }));
  // With the queue (the default) the survey is kept on the device and the promise resolves.
  const client = configureAftercall({ endpoint: "http://127.0.0.1:9", projectKey });
  const queued = await ours.submitSurvey({ overallRating: { score: 4 } });
  return {
    dispatch,
    identity,
    responses,
    report,
    acsInvalid,
    ourInvalid,
    unreachable,
    queued: { callId: queued.callId, pending: await client.pending() },
  };
}

export type AcsScenarioResult = Awaited<ReturnType<typeof scenario>>;

declare global {
  interface Window {
    acsScenario: typeof scenario;
  }
}
window.acsScenario = scenario;
