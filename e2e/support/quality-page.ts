/**
 * The browser side of the call-quality end-to-end test, bundled by the test with esbuild: two peer
 * connections in one page exchange Chromium's fake audio and video (and optionally a fake screen share),
 * the SDK's collector measures the first one, and the quality-aware client decides and sends the survey.
 */
import { createSurveyClient, memoryStorage } from "@aftercall/client";
import { type CallQualitySummary, createCallQuality } from "@aftercall/client/quality";
import { type QualityAskDecision, qualityAware } from "@aftercall/client/quality-aware";

export interface CallOptions {
  endpoint: string;
  projectKey: string;
  callId: string;
  participantId: string;
  seconds: number;
  screenshare: boolean;
  /** Route the media through the test's UDP relay on this port (127.0.0.1). */
  relayPort?: number;
}

export interface CallOutcome {
  callQuality: CallQualitySummary;
  decision: QualityAskDecision;
  sent?: { ok: boolean; status?: string; id?: string; error?: string };
  /** Every getStats report the collector took, with the time it was taken. */
  reports: { at: number; stats: Record<string, unknown>[] }[];
}

declare global {
  interface Window {
    /** Set by the test: where the second peer really listens, for the relay. */
    relayTarget(address: string, port: number): Promise<void>;
    runCall(options: CallOptions): Promise<CallOutcome>;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

window.runCall = async (options) => {
  const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const remote = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  for (const track of local.getTracks()) a.addTrack(track, local);
  for (const track of remote.getTracks()) b.addTrack(track, remote);
  if (options.screenshare) {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    for (const track of screen.getVideoTracks()) a.addTrack(track, screen);
  }
  // Play what arrives, as a call does (Chromium decodes audio it plays).
  for (const pc of [a, b])
    pc.ontrack = ({ track }) => {
      const element = document.createElement(track.kind === "audio" ? "audio" : "video");
      element.autoplay = true;
      element.srcObject = new MediaStream([track]);
      document.body.append(element);
    };
  if (options.relayPort === undefined) {
    a.onicecandidate = ({ candidate }) => {
      if (candidate) void b.addIceCandidate(candidate);
    };
    b.onicecandidate = ({ candidate }) => {
      if (candidate) void a.addIceCandidate(candidate);
    };
  } else {
    // The first peer only learns the relay as the second peer's address; the second peer learns the first
    // from the checks arriving through the relay (peer-reflexive), so every packet takes the relay.
    const relayPort = options.relayPort;
    b.onicecandidate = async ({ candidate }) => {
      if (!candidate?.address || candidate.protocol !== "udp" || candidate.address.includes(":")) return;
      await window.relayTarget(candidate.address, candidate.port as number);
      const rewritten = candidate.candidate.replace(
        ` ${candidate.address} ${candidate.port} `,
        ` 127.0.0.1 ${relayPort} `,
      );
      await a.addIceCandidate({
        candidate: rewritten,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
      });
    };
  }
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription as RTCSessionDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription as RTCSessionDescription);

  const quality = createCallQuality({ intervalMs: 1000 });
  const reports: CallOutcome["reports"] = [];
  const started = Date.now();
  quality.addStatsSource(async () => {
    const report = await a.getStats();
    const stats: Record<string, unknown>[] = [];
    report.forEach((s) => {
      stats.push({ ...s });
    });
    reports.push({ at: Date.now() - started, stats });
    return report;
  });
  await sleep(options.seconds * 1000);
  const callQuality = await quality.stop();
  a.close();
  b.close();

  const surveys = qualityAware(
    createSurveyClient({
      endpoint: options.endpoint,
      projectKey: options.projectKey,
      storage: memoryStorage(),
    }),
  );
  const call = { callId: options.callId, participantId: options.participantId };
  const decision = await surveys.shouldAsk({ ...call, durationSeconds: options.seconds, callQuality });
  if (!decision.ask) return { callQuality, decision, reports };
  const result = await surveys.forCall(call).send({
    overallRating: { score: 2, issues: ["OtherIssues"] },
    audioRating: { score: 2, issues: ["AudioInterruption"] },
  });
  const sent = result.ok
    ? { ok: true, status: result.status, id: result.response.id }
    : { ok: false, error: result.error.message };
  return { callQuality, decision, sent, reports };
};
