/**
 * No SSRF through destinations. A raw TCP listener on 127.0.0.1 plays an internal service; with the
 * default policy it must receive no connection at all, whatever destination type a project admin points
 * at it (webhook, S3 endpoint, Blob endpoint, NATS servers), directly or through a host name whose DNS
 * answer changes between the configuration check and the connection (rebinding). Allow-listed by the
 * operator, the same listener is reached. What admins see of a remote answer is a status line only.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  OutboundPolicy,
  type OutboundResolver,
  parseOutboundAllowList,
  refusedReason,
} from "../../src/delivery/outbound-policy.js";
import { survey } from "../support/seed.js";
import { startTestApp, type TestProject } from "../support/test-app.js";

/** A TCP listener that counts connections and the bytes it was sent; answers nothing. */
async function internalService(): Promise<{
  port: number;
  connections: number;
  received: string;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, received: "" };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("data", (chunk) => {
      state.received += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const SECRET = "whsec_dGhpcy1pcy1hLXRlc3Qtc2VjcmV0LW9mLTMyLWJ5dGVz";
const ACCOUNT_KEY = Buffer.from("k".repeat(32)).toString("base64");

/** One destination of each network type pointed at `host:port`. */
function destinationsAt(host: string, port: number): Record<string, Record<string, unknown>> {
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    webhook: { url: `http://${h}:${port}/hook`, secret: SECRET },
    s3: {
      endpoint: `http://${h}:${port}`,
      region: "us-east-1",
      bucket: "internal-bucket",
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "s3-secret-value",
    },
    blob: {
      connectionString: `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://${h}:${port}/acct;`,
    },
    stream: { servers: [`nats://${h}:${port}`], subject: "aftercall.test", token: "nats-token-value" },
  };
}

describe("outbound policy: address classes", () => {
  it("refuses loopback, private, link-local, CGNAT, multicast, unspecified, broadcast and metadata addresses", () => {
    const refused: Array<[string, string]> = [
      ["127.0.0.1", "loopback"],
      ["127.255.0.9", "loopback"],
      ["::1", "loopback"],
      ["10.1.2.3", "private"],
      ["172.16.0.1", "private"],
      ["172.31.255.255", "private"],
      ["192.168.1.1", "private"],
      ["fc00::1", "private"],
      ["fd12:3456::1", "private"],
      ["169.254.1.1", "link-local"],
      ["fe80::1", "link-local"],
      ["100.64.0.1", "cgnat"],
      ["100.127.255.254", "cgnat"],
      ["224.0.0.1", "multicast"],
      ["ff02::1", "multicast"],
      ["0.0.0.0", "unspecified"],
      ["::", "unspecified"],
      ["255.255.255.255", "broadcast"],
      ["169.254.169.254", "metadata"],
      ["fd00:ec2::254", "metadata"],
      // IPv6 forms that reach an IPv4 host are judged by that host.
      ["::ffff:127.0.0.1", "loopback"],
      ["::ffff:7f00:1", "loopback"],
      ["::ffff:169.254.169.254", "metadata"],
      ["::ffff:10.0.0.1", "private"],
      ["64:ff9b::a9fe:a9fe", "metadata"],
      ["2002:7f00:1::", "loopback"],
    ];
    for (const [address, reason] of refused) assert.equal(refusedReason(address), reason, address);
    for (const address of [
      "93.184.215.14",
      "8.8.8.8",
      "172.32.0.1",
      "100.128.0.1",
      "2606:4700::1111",
      "::ffff:8.8.8.8",
    ])
      assert.equal(refusedReason(address), undefined, address);
  });

  it("opens only what the operator lists: hosts, *.suffixes, addresses and CIDRs", () => {
    const policy = new OutboundPolicy({
      allow: parseOutboundAllowList(" minio.internal, *.svc.local, 10.1.0.0/16, ::1 "),
    });
    assert.equal(policy.refusal("minio.internal", "10.9.9.9"), undefined);
    assert.equal(policy.refusal("a.svc.local", "192.168.0.1"), undefined);
    assert.equal(policy.refusal("svc.local", "192.168.0.1"), "private");
    assert.equal(policy.refusal("x", "10.1.200.1"), undefined);
    assert.equal(policy.refusal("x", "::ffff:10.1.200.1"), undefined);
    assert.equal(policy.refusal("x", "10.2.0.1"), "private");
    assert.equal(policy.refusal("x", "::1"), undefined);
    assert.equal(policy.refusal("x", "127.0.0.1"), "loopback");
    assert.throws(() => parseOutboundAllowList("10.0.0.0/33"), /prefix length/);
    assert.throws(() => parseOutboundAllowList("http://x"), /neither a host name/);
  });
});

describe("outbound policy against a running app", () => {
  let service: Awaited<ReturnType<typeof internalService>>;
  /** Answers a public address for a name's first lookup, loopback for every later one. */
  const lookups = new Map<string, number>();
  const rebinding: OutboundResolver = async (hostname) => {
    if (hostname === "localhost") return [{ address: "127.0.0.1", family: 4 }];
    const n = (lookups.get(hostname) ?? 0) + 1;
    lookups.set(hostname, n);
    return [n === 1 ? { address: "93.184.215.14", family: 4 } : { address: "127.0.0.1", family: 4 }];
  };
  let strict: Awaited<ReturnType<typeof startTestApp>>;
  let project: TestProject;

  before(async () => {
    service = await internalService();
    strict = await startTestApp({
      outbound: new OutboundPolicy({ resolve: rebinding }),
      delivery: { pollIntervalMs: 50, backoff: { baseMs: 50, maxMs: 200 } },
    });
    project = await strict.addProject({ id: "ssrf", name: "SSRF" });
  });
  after(async () => {
    await strict.close();
    await service.close();
  });

  const call = (
    method: "POST" | "PATCH" | "GET",
    url: string,
    payload?: unknown,
    token = project.adminToken,
  ) =>
    strict.app.fastify.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const base = "/v1/projects/ssrf/diagnostic-settings";

  it("refuses internal addresses on create and on update, for every destination type, with DESTINATION_ADDRESS_REFUSED", async () => {
    for (const host of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost", "169.254.169.254", "10.0.0.7"]) {
      for (const [type, config] of Object.entries(destinationsAt(host, service.port))) {
        const res = await call("POST", base, { name: `x-${type}`, destinations: { [type]: config } });
        assert.equal(res.statusCode, 400, `${type} at ${host}: ${res.body}`);
        assert.equal(res.json().code, "DESTINATION_ADDRESS_REFUSED", res.body);
        assert.match(
          res.json().message,
          /^destinations\.\w+\.(url|endpoint|servers\[0\]|connectionString BlobEndpoint): /,
        );
        assert.ok(!res.body.includes(String(service.port)) || res.body.includes(host), res.body);
      }
    }
    const ok = await call("POST", base, {
      name: "public",
      destinations: { webhook: { url: "http://93.184.215.14/hook", secret: SECRET } },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const moved = await call("PATCH", `${base}/${ok.json().id}`, {
      destinations: { webhook: { url: `http://127.0.0.1:${service.port}/hook`, secret: SECRET } },
    });
    assert.equal(moved.statusCode, 400, moved.body);
    assert.equal(moved.json().code, "DESTINATION_ADDRESS_REFUSED");
    await call("POST", `${base}/${ok.json().id}/pause`);
    assert.equal(service.connections, 0);
  });

  it("DNS rebinding: a name that answered a public address at creation is refused at connect time, for every type", async () => {
    const destinations = Object.fromEntries(
      Object.entries(destinationsAt("rebind.example", service.port)).map(([type, c]) => {
        const text = JSON.stringify(c).replaceAll("rebind.example", `${type}.rebind.example`);
        return [type, JSON.parse(text)];
      }),
    );
    const created = await call("POST", base, { name: "rebind", destinations });
    assert.equal(created.statusCode, 201, created.body);
    const test = await call("POST", `${base}/${created.json().id}/test`);
    assert.equal(test.statusCode, 200, test.body);
    const results = test.json().results as Array<{
      type: string;
      ok: boolean;
      error?: string;
      code?: string;
    }>;
    assert.equal(results.length, 4);
    for (const r of results) {
      assert.equal(r.ok, false, r.type);
      assert.equal(r.code, "DESTINATION_ADDRESS_REFUSED", `${r.type}: ${r.error}`);
      assert.match(r.error ?? "", /not allowed by this server's outbound policy/);
    }
    // And delivery: a survey reaches the engine, which records the refusal as lastError.
    const ingest = await strict.app.fastify.inject({
      method: "POST",
      url: "/v1/surveys",
      headers: { authorization: `Bearer ${project.ingestKey}`, "content-type": "application/json" },
      payload: JSON.stringify(survey()),
    });
    assert.ok(ingest.statusCode < 300, ingest.body);
    const deadline = Date.now() + 20_000;
    let errors: string[] = [];
    while (Date.now() < deadline) {
      const view = (await call("GET", `${base}/${created.json().id}`)).json();
      errors = view.destinations.map((d: { status: { lastError?: string } }) => d.status.lastError ?? "");
      if (errors.every((e) => e !== "")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const e of errors) assert.match(e, /not allowed by this server's outbound policy/);
    await call("POST", `${base}/${created.json().id}/pause`);
    assert.equal(
      service.connections,
      0,
      `the internal service received: ${JSON.stringify(service.received)}`,
    );
  });

  it("reaches the same listener when the operator allows it (the negative results are not vacuous)", async () => {
    const open = await startTestApp({
      outbound: new OutboundPolicy({ allow: parseOutboundAllowList("127.0.0.1") }),
      delivery: false,
    });
    try {
      const p = await open.addProject({ id: "open", name: "Open" });
      const inject = (method: "POST", url: string, payload?: unknown) =>
        open.app.fastify.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${p.adminToken}`,
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
      const { webhook } = destinationsAt("127.0.0.1", service.port);
      const created = await inject("POST", "/v1/projects/open/diagnostic-settings", {
        name: "allowed",
        destinations: { webhook: { ...webhook, timeoutMs: 300 } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const test = await inject("POST", `/v1/projects/open/diagnostic-settings/${created.json().id}/test`);
      assert.equal(test.json().results[0].ok, false);
      assert.equal(service.connections, 1);
      assert.match(service.received, /^POST \/hook HTTP\/1\.1/);
    } finally {
      await open.close();
    }
  });
});

describe("what a project admin sees of a remote answer", () => {
  it("a status line, never the body, in test results, lastError and parked batches", async () => {
    const LEAK = "internal-service-secret-4f1c";
    const server = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(500, `Internal ${LEAK}`, { "content-type": "text/plain" });
      res.end(`${LEAK} ${"x".repeat(1000)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const t = await startTestApp({
      outbound: new OutboundPolicy({ allow: parseOutboundAllowList("127.0.0.1") }),
      delivery: { pollIntervalMs: 50, maxAttempts: 1, backoff: { baseMs: 10, maxMs: 20 } },
    });
    try {
      const p = await t.addProject({ id: "leak", name: "Leak" });
      const inject = (method: "POST" | "GET", url: string, payload?: unknown, token = p.adminToken) =>
        t.app.fastify.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
      const base = "/v1/projects/leak/diagnostic-settings";
      const created = await inject("POST", base, {
        name: "leaky",
        destinations: { webhook: { url: `http://127.0.0.1:${port}/x`, secret: SECRET } },
      });
      const id = created.json().id;
      const test = await inject("POST", `${base}/${id}/test`);
      assert.equal(test.json().results[0].error, "webhook answered HTTP 500 Internal Server Error");
      await inject("POST", "/v1/surveys", survey(), p.ingestKey);
      const deadline = Date.now() + 20_000;
      let parked = "";
      while (Date.now() < deadline) {
        parked = (await inject("GET", `${base}/${id}/parked`)).body;
        if (parked.includes("HTTP 500")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const view = (await inject("GET", `${base}/${id}`)).body;
      assert.match(parked, /webhook answered HTTP 500 Internal Server Error/);
      for (const text of [test.body, view, parked]) assert.ok(!text.includes(LEAK), text);
    } finally {
      await t.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
