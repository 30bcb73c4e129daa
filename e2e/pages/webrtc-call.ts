// Runs in Chromium (bundled by e2e/webrtc-adapter.e2e.test.ts): a call between two RTCPeerConnections
// in one page, with Chromium's fake camera, microphone and screen, followed by the plain-WebRTC adapter.
import { createSurveyClient } from "@aftercall/client";
import { type CallStatsSink, trackPeerConnections } from "@aftercall/client/webrtc";

/** Offer from `caller`, answer from `callee`, in the page (the signalling an app does over its server). */
async function negotiate(caller: RTCPeerConnection, callee: RTCPeerConnection): Promise<void> {
  await caller.setLocalDescription();
  await callee.setRemoteDescription(caller.localDescription as RTCSessionDescription);
  await callee.setLocalDescription();
  await caller.setRemoteDescription(callee.localDescription as RTCSessionDescription);
}

function pair(): [RTCPeerConnection, RTCPeerConnection] {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  return [a, b];
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kinds of the `outbound-rtp` entries a stats report holds, sorted. */
const outboundKinds = (report: RTCStatsReport): string[] =>
  [...report.values()]
    .filter((s: { type: string }) => s.type === "outbound-rtp")
    .map((s: { kind: string }) => s.kind)
    .sort();

async function scenario({ endpoint, projectKey }: { endpoint: string; projectKey: string }) {
  const handed: { label: string | undefined; pc: RTCPeerConnection }[] = [];
  const stats: CallStatsSink = {
    addPeerConnection: (pc, label) => void handed.push({ pc, label }),
    addStatsSource: () => {
      throw new Error("plain WebRTC hands peer connections, not stats functions");
    },
  };
  const callId = `webrtc-${crypto.randomUUID()}`;
  const [alice, bob] = pair();
  const tracker = trackPeerConnections(alice, { callId, participantId: "alice", stats });
  const before = tracker.current();

  const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  for (const track of camera.getTracks()) alice.addTrack(track, camera);
  await negotiate(alice, bob);
  await until(() => alice.connectionState === "connected");
  await sleep(1200);
  const talking = tracker.current();

  // Alice shares her screen halfway through the call.
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
  alice.addTrack(screen.getVideoTracks()[0] as MediaStreamTrack, screen);
  await negotiate(alice, bob);
  await sleep(1200);
  const sharing = tracker.current();
  const sent = outboundKinds(await (handed[0]?.pc ?? alice).getStats());

  // Hanging up: the app closes its connection (which fires no event).
  alice.close();
  bob.close();
  const call = await tracker.ended;
  for (const track of [...camera.getTracks(), ...screen.getTracks()]) track.stop();

  const surveys = createSurveyClient({ endpoint, projectKey });
  const decision = await surveys.shouldAsk(call);
  const response = await surveys.forCall(call).submitSurvey({ overallRating: { score: 4 } });

  // A call that never connected: closed while still connecting.
  const [carol, dave] = pair();
  const failedTracker = trackPeerConnections(carol, { callId: `${callId}-b`, participantId: "carol" });
  carol.addTransceiver("audio");
  await carol.setLocalDescription();
  carol.close();
  dave.close();
  const failed = await failedTracker.ended;
  return {
    before,
    talking,
    sharing,
    call,
    decision,
    failed,
    failedDecision: await surveys.shouldAsk(failed),
    responseId: response.id,
    handed: handed.map((h) => ({ label: h.label, isAlice: h.pc === alice })),
    sent,
  };
}

export type WebRtcScenarioResult = Awaited<ReturnType<typeof scenario>>;

declare global {
  interface Window {
    webrtcScenario: typeof scenario;
  }
}
window.webrtcScenario = scenario;
