import dgram from "node:dgram";
import { seededRandom } from "../../packages/server/src/demo/generate-surveys.js";

/** An impaired network path between two WebRTC peers, in user space (this kernel has no `netem`). */
export interface UdpRelay {
  /** The relay's port on 127.0.0.1: the address the first peer is told the second one has. */
  port: number;
  /** Where the second peer really listens (its host candidate). */
  setTarget(address: string, port: number): void;
  /** Datagrams forwarded and dropped so far. */
  counts: { forwarded: number; dropped: number };
  close(): Promise<void>;
}

export interface Impairment {
  /** Share of media datagrams (RTP and RTCP) dropped, each way. */
  loss: number;
  /** Delay added to every datagram, each way, ms. */
  delayMs: number;
  /** Extra random delay, 0 to this many ms (packets may then arrive out of order). */
  jitterMs: number;
  seed: number;
}

/** RTP and RTCP start with a byte from 128 to 191 (RFC 7983); STUN and DTLS are left alone so ICE holds. */
const isMedia = (datagram: Buffer) => (datagram[0] ?? 0) >= 128 && (datagram[0] ?? 0) <= 191;

/**
 * Start a UDP relay on 127.0.0.1 that drops and delays packets. The first peer sends to `port`; the relay
 * forwards from a second socket to the target, and the target's answers (to that socket, which the second
 * peer learns as a peer-reflexive candidate) back to the first peer.
 */
export async function startUdpRelay(impairment: Impairment): Promise<UdpRelay> {
  const random = seededRandom(impairment.seed);
  const front = dgram.createSocket("udp4");
  const back = dgram.createSocket("udp4");
  await Promise.all(
    [front, back].map((s) => new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve))),
  );
  let first: dgram.RemoteInfo | undefined;
  let target: { address: string; port: number } | undefined;
  const counts = { forwarded: 0, dropped: 0 };
  let open = true;
  const forward = (datagram: Buffer, send: () => void) => {
    if (isMedia(datagram) && random() < impairment.loss) {
      counts.dropped++;
      return;
    }
    counts.forwarded++;
    setTimeout(() => open && send(), impairment.delayMs + random() * impairment.jitterMs);
  };
  front.on("message", (datagram, from) => {
    first = from;
    forward(datagram, () => target && back.send(datagram, target.port, target.address));
  });
  back.on("message", (datagram) => {
    forward(datagram, () => first && front.send(datagram, first.port, first.address));
  });
  return {
    port: front.address().port,
    setTarget(address, port) {
      target = { address, port };
    },
    counts,
    async close() {
      open = false;
      await Promise.all([front, back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
