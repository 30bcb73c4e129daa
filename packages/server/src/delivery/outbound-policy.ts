/**
 * Which network addresses destinations may connect to. Project admins configure webhooks, S3 and Blob
 * endpoints and NATS servers; without this policy they could make the server reach the operator's own
 * network (loopback, private ranges, cloud metadata services). Every address is checked where the socket
 * is opened, on the address actually dialled (after DNS), so a name that resolves to a public address at
 * configuration time and to 127.0.0.1 at delivery time (DNS rebinding) is refused too.
 *
 * The operator may open named hosts or CIDR ranges (`AFTERCALL_OUTBOUND_ALLOW`); nothing a project admin
 * sends can.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction, type Socket } from "node:net";

/** Resolves a host name to its addresses (injectable so tests can play a rebinding DNS server). */
export type OutboundResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** The error code of a refused destination address, on create/patch/test answers and delivery errors. */
export const ADDRESS_REFUSED = "DESTINATION_ADDRESS_REFUSED";

/** Thrown (or passed to a connect callback) when the policy refuses an address. */
export class OutboundRefusedError extends Error {
  override readonly name = "OutboundRefusedError";
  readonly code = ADDRESS_REFUSED;
  constructor(
    readonly host: string,
    /** Why, for the operator's log only (e.g. "loopback"); admins see the uniform message. */
    readonly reason: string,
  ) {
    // One message whatever the reason or port: the answer must not tell an admin what lives where.
    super(
      `${host}: the address is not allowed by this server's outbound policy (loopback, private, ` +
        "link-local and similar addresses are refused; the operator can allow hosts with AFTERCALL_OUTBOUND_ALLOW)",
    );
  }
}

/** Refused ranges, most specific first so the reason names the narrowest class. */
const REFUSED: ReadonlyArray<[reason: string, cidr: string]> = [
  ["metadata", "169.254.169.254/32"],
  ["metadata", "100.100.100.200/32"],
  ["metadata", "fd00:ec2::254/128"],
  ["unspecified", "0.0.0.0/8"],
  ["broadcast", "255.255.255.255/32"],
  ["loopback", "127.0.0.0/8"],
  ["private", "10.0.0.0/8"],
  ["private", "172.16.0.0/12"],
  ["private", "192.168.0.0/16"],
  ["cgnat", "100.64.0.0/10"],
  ["link-local", "169.254.0.0/16"],
  ["reserved", "192.0.0.0/24"],
  ["documentation", "192.0.2.0/24"],
  ["reserved", "192.88.99.0/24"],
  ["reserved", "198.18.0.0/15"],
  ["documentation", "198.51.100.0/24"],
  ["documentation", "203.0.113.0/24"],
  ["multicast", "224.0.0.0/4"],
  ["reserved", "240.0.0.0/4"],
  ["unspecified", "::/128"],
  ["loopback", "::1/128"],
  ["reserved", "::/96"],
  ["reserved", "64:ff9b:1::/48"],
  ["reserved", "100::/64"],
  ["documentation", "2001:db8::/32"],
  ["reserved", "2001:10::/28"],
  ["private", "fc00::/7"],
  ["link-local", "fe80::/10"],
  ["private", "fec0::/10"],
  ["multicast", "ff00::/8"],
];

const REFUSED_LISTS = REFUSED.map(([reason, cidr]) => [reason, blockList([cidr])] as const);

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits] = cidr.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: IPv4-mapped
 * (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/48`).
 */
function embeddedIPv4(address: string): string | undefined {
  const words = expandIPv6(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6] as number, words[7] as number);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6))
    return v4(words[6] as number, words[7] as number);
  if (words[0] === 0x2002) return v4(words[1] as number, words[2] as number);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (with an optional dotted IPv4 tail), or undefined. */
function expandIPv6(address: string): number[] | undefined {
  let text = address.split("%")[0] ?? "";
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parts = (s: string) => (s === "" ? [] : s.split(":").map((w) => Number.parseInt(w, 16)));
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...new Array<number>(Math.max(0, fill)).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)
    ? words
    : undefined;
}

/**
 * Why `address` (an IP literal) is refused by default, or undefined when it is a public address.
 * IPv6 forms that carry an IPv4 address are judged by that address too.
 */
export function refusedReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  const type = family === 6 ? "ipv6" : "ipv4";
  const plain = address.split("%")[0] ?? address;
  for (const [reason, list] of REFUSED_LISTS) if (list.check(plain, type)) return reason;
  if (family === 6) {
    const v4 = embeddedIPv4(plain);
    if (v4 !== undefined) return refusedReason(v4);
  }
  return undefined;
}

/** Parsed `AFTERCALL_OUTBOUND_ALLOW`: host names (exact, or `*.suffix`) and addresses/CIDRs. */
export interface OutboundAllowList {
  hosts: string[];
  cidrs: string[];
}

/**
 * Parse a comma-separated allow-list (`minio.internal, *.svc.local, 10.1.0.0/16, ::1`).
 * @throws Error naming the first entry that is neither a host name nor an address/CIDR.
 */
export function parseOutboundAllowList(text: string | undefined): OutboundAllowList {
  const list: OutboundAllowList = { hosts: [], cidrs: [] };
  for (const raw of (text ?? "").split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    const [address = "", bits] = entry.split("/");
    const family = isIP(address);
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))
        throw new Error(`"${raw.trim()}" has a bad prefix length (0 to ${max})`);
      list.cidrs.push(entry);
    } else if (/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(entry))
      list.hosts.push(entry);
    else throw new Error(`"${raw.trim()}" is neither a host name nor an IP address or CIDR range`);
  }
  return list;
}

export interface OutboundPolicyOptions {
  /** Operator-opened hosts and ranges; default none. */
  allow?: OutboundAllowList;
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: OutboundResolver;
}

const systemResolve: OutboundResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The outbound policy of a server: checks, a checking `lookup` for sockets, and HTTP agents. */
export class OutboundPolicy {
  private readonly hosts: string[];
  private readonly allowed: BlockList;
  private readonly resolver: OutboundResolver;

  constructor(options: OutboundPolicyOptions = {}) {
    this.hosts = options.allow?.hosts ?? [];
    this.allowed = blockList(options.allow?.cidrs ?? []);
    this.resolver = options.resolve ?? systemResolve;
  }

  /** Whether the operator opened this host name. */
  hostAllowed(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    return this.hosts.some((h) => (h.startsWith("*.") ? name.endsWith(h.slice(1)) : name === h));
  }

  /** Why connecting to `address` for `hostname` is refused, or undefined when it is allowed. */
  refusal(hostname: string, address: string): string | undefined {
    if (this.hostAllowed(hostname)) return undefined;
    const plain = address.split("%")[0] ?? address;
    const family = isIP(plain);
    if (family !== 0 && this.allowed.check(plain, family === 6 ? "ipv6" : "ipv4")) return undefined;
    const v4 = family === 6 ? embeddedIPv4(plain) : undefined;
    if (v4 !== undefined && this.allowed.check(v4, "ipv4")) return undefined;
    return refusedReason(plain);
  }

  /** @throws OutboundRefusedError when `address` is refused for `hostname`. */
  check(hostname: string, address: string): void {
    const reason = this.refusal(hostname, address);
    if (reason !== undefined) throw new OutboundRefusedError(hostname, reason);
  }

  /**
   * The addresses `hostname` resolves to now, each checked (an IP literal is its own address).
   * @throws OutboundRefusedError when any is refused: a name must not mix public and internal answers.
   */
  async resolve(hostname: string): Promise<string[]> {
    const host = unbracket(hostname);
    if (isIP(host) !== 0) {
      this.check(host, host);
      return [host];
    }
    const addresses = (await this.resolver(host)).map((a) => a.address);
    for (const address of addresses) this.check(host, address);
    return addresses;
  }

  /** A `lookup` for `net.connect`/`http.request` that resolves through the policy and checks each answer. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const entries = addresses.map((address) => ({ address, family: isIP(address) }));
        if (options.all) callback(null, entries);
        else {
          const first = entries.find((e) => !options.family || e.family === options.family) ?? entries[0];
          if (first) callback(null, first.address, first.family);
          else callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };

  /** An http.Agent whose every connection goes through the policy. */
  httpAgent(options: http.AgentOptions = {}): http.Agent {
    return checkingAgent(new http.Agent({ keepAlive: true, ...options }), this);
  }

  /** An https.Agent whose every connection goes through the policy. */
  httpsAgent(options: https.AgentOptions = {}): https.Agent {
    return checkingAgent(new https.Agent({ keepAlive: true, ...options }), this);
  }
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

type CreateConnection = (
  options: Record<string, unknown>,
  callback: (e: Error | null, s?: Socket) => void,
) => unknown;

/**
 * Route an agent's connections through the policy: names resolve through its checking `lookup`; IP
 * literals (which `net.connect` never looks up) are checked before the socket is opened.
 */
function checkingAgent<T extends http.Agent>(agent: T, policy: OutboundPolicy): T {
  const original = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  const patched: CreateConnection = (options, callback) => {
    const host = unbracket(String(options.host ?? options.hostname ?? "localhost"));
    if (isIP(host) !== 0) {
      const reason = policy.refusal(host, host);
      if (reason !== undefined) {
        // Node's agent accepts the error through the callback; the request then emits it.
        callback(new OutboundRefusedError(host, reason));
        return undefined;
      }
    }
    return original({ ...options, lookup: policy.lookup }, callback);
  };
  (agent as unknown as { createConnection: CreateConnection }).createConnection = patched;
  return agent;
}

/** The default policy of a server with no allow-list (also the test of "nothing configured"). */
export const STRICT_OUTBOUND = new OutboundPolicy();
