// Runs in Chromium (bundled by e2e/livekit-adapter.e2e.test.ts): livekit-client's real Room, connected
// by LiveKit's own simulation (no LiveKit server exists on npm), followed by the LiveKit adapter.

import { trackLiveKitRoom } from "@aftercall/client/livekit";
import { TrackInfo, TrackSource } from "@livekit/protocol";
import {
  RemoteAudioTrack,
  type RemoteParticipant,
  RemoteTrackPublication,
  Room,
  Track,
} from "livekit-client";

async function scenario() {
  const room = new Room();
  const labels: string[] = [];
  const tracker = trackLiveKitRoom(room, {
    stats: { addPeerConnection: () => {}, addStatsSource: (_get, label) => void labels.push(label ?? "") },
  });
  // LiveKit's simulation: roomInfo RM_SIMULATED, identity simulated-local, `connected`, and local
  // camera and microphone publications with its dummy tracks.
  await room.simulateParticipants({ participants: { count: 1 }, publish: { audio: true, video: true } });
  const connected = tracker.current();

  // Someone else's screen-share audio, subscribed: a real RemoteAudioTrack over a real MediaStreamTrack.
  const context = new AudioContext();
  const media = context.createMediaStreamDestination().stream.getAudioTracks()[0] as MediaStreamTrack;
  const receiver = new RTCPeerConnection().addTransceiver("audio").receiver;
  const track = new RemoteAudioTrack(media, "TR_screen_audio", receiver);
  const publication = new RemoteTrackPublication(
    Track.Kind.Audio,
    // `as never`: @livekit/protocol's ESM and CommonJS declarations of TrackInfo differ in name only.
    new TrackInfo({ sid: "TR_screen_audio", source: TrackSource.SCREEN_SHARE_AUDIO }) as never,
    true,
  );
  // The participant argument is read by neither LiveKit's audio listeners nor the adapter.
  room.emit("trackSubscribed", track, publication, room.localParticipant as unknown as RemoteParticipant);

  await new Promise((r) => setTimeout(r, 1100));
  await room.disconnect();
  const call = await tracker.ended;
  await context.close();
  return { connected, call, labels };
}

export type LiveKitScenarioResult = Awaited<ReturnType<typeof scenario>>;

declare global {
  interface Window {
    liveKitScenario: typeof scenario;
  }
}
window.liveKitScenario = scenario;
