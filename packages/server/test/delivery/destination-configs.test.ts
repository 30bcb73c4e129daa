import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeliveryFailure } from "../../src/delivery/destination.js";
import {
  archiveBlobName,
  archiveChunks,
  splitLines,
} from "../../src/delivery/destinations/archive-layout.js";
import { createDestination } from "../../src/delivery/destinations/create-destination.js";
import {
  type DestinationConfig,
  mergeDestinationSecrets,
  parseDestinationConfig,
  publicDestinationConfig,
} from "../../src/delivery/destinations/destination-config.js";
import { batchMessages } from "../../src/delivery/destinations/stream.js";
import {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
} from "../../src/delivery/destinations/webhook-signature.js";
import { AftercallError } from "../../src/errors.js";
import { HOUR_13_NAME, HOUR_14_NAME, surveyRecord, twoHourBatch } from "../support/delivery-batch.js";
import { TEST_OUTBOUND } from "../support/outbound.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CONNECTION =
  "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=c2VjcmV0LWtleQ==;BlobEndpoint=http://127.0.0.1:10000/acct;";

/** The VALIDATION_FAILED message `parse` throws for `input`. */
function rejection(input: unknown, previous?: DestinationConfig): string {
  try {
    parseDestinationConfig(input, "destinations.x", previous);
  } catch (error) {
    assert.ok(error instanceof AftercallError);
    assert.equal(error.code, "VALIDATION_FAILED");
    assert.equal(error.errors?.[0]?.message, error.message);
    return error.message;
  }
  assert.fail("expected VALIDATION_FAILED");
}

describe("destination configs: validation", () => {
  it("fills in the defaults of each type", () => {
    assert.deepEqual(parseDestinationConfig({ type: "stream", servers: ["nats://127.0.0.1:4222"] }, "d"), {
      type: "stream",
      servers: ["nats://127.0.0.1:4222"],
      subject: "aftercall.callsurvey",
    });
    assert.deepEqual(
      parseDestinationConfig({ type: "webhook", url: "https://h.example/x", secret: SECRET }, "d"),
      {
        type: "webhook",
        url: "https://h.example/x",
        secret: SECRET,
        timeoutMs: 10_000,
        headers: {},
      },
    );
    const s3 = { type: "s3", endpoint: "http://127.0.0.1:9000", region: "us-east-1", bucket: "logs" };
    assert.deepEqual(parseDestinationConfig({ ...s3, accessKeyId: "AK", secretAccessKey: "SK" }, "d"), {
      ...s3,
      accessKeyId: "AK",
      secretAccessKey: "SK",
      forcePathStyle: true,
      prefix: "",
    });
    assert.deepEqual(parseDestinationConfig({ type: "directory", path: "/var/lib/x/../archive" }, "d"), {
      type: "directory",
      path: "/var/lib/archive",
    });
  });

  it("names the field in every message, prefixed with the caller's path", () => {
    const cases: [unknown, string][] = [
      [null, "destinations.x must be an object."],
      [{ type: "kafka" }, "destinations.x.type must be one of stream, blob, s3, directory, webhook."],
      [{ type: "webhook", url: "ftp://h/x", secret: SECRET }, "destinations.x.url must be an http(s) URL."],
      [
        { type: "webhook", url: "https://u:p@h/x", secret: SECRET },
        "destinations.x.url must not contain credentials; send them in headers (kept secret).",
      ],
      [
        { type: "webhook", url: "https://h/x" },
        "destinations.x.secret is required (generate one with whsec_ + base64).",
      ],
      [
        { type: "webhook", url: "https://h/x", secret: "whsec_c2hvcnQ=" },
        "destinations.x.secret must be whsec_ followed by the base64 of 24 to 64 bytes.",
      ],
      [
        { type: "webhook", url: "https://h/x", secret: SECRET, timeoutMs: 60_001 },
        "destinations.x.timeoutMs must be a whole number from 100 to 60000.",
      ],
      [
        { type: "webhook", url: "https://h/x", secret: SECRET, headers: { "Webhook-Id": "x" } },
        "destinations.x.headers.Webhook-Id is set by Aftercall and cannot be configured.",
      ],
      [
        { type: "webhook", url: "https://h/x", secret: SECRET, headers: { "a b": "x" } },
        "destinations.x.headers.a b is not a valid header name.",
      ],
      [
        { type: "webhook", url: "https://h/x", secret: SECRET, header: {} },
        "destinations.x.header is not a known field.",
      ],
      [{ type: "stream", servers: [] }, "destinations.x.servers must be a list of 1 to 10 nats:// URLs."],
      [
        { type: "stream", servers: ["http://h:4222"] },
        "destinations.x.servers[0] must be a nats://host:port URL.",
      ],
      [
        { type: "stream", servers: ["nats://h"], subject: "a.*" },
        "destinations.x.subject must be a NATS subject without wildcards, e.g. aftercall.callsurvey.",
      ],
      [
        { type: "stream", servers: ["nats://h"], token: "t", user: "u" },
        "destinations.x.token cannot be combined with user and password.",
      ],
      [
        { type: "blob", connectionString: "AccountName=a" },
        "destinations.x.connectionString must hold AccountName and AccountKey, or SharedAccessSignature.",
      ],
      [{ type: "blob" }, "destinations.x.connectionString is required."],
      [
        { type: "s3", region: "us-east-1", bucket: "B", accessKeyId: "a", secretAccessKey: "s" },
        "destinations.x.bucket must be a bucket name: 3 to 63 lowercase letters, digits, dots or dashes.",
      ],
      [
        { type: "s3", region: "us-east-1", bucket: "logs", accessKeyId: "a" },
        "destinations.x.secretAccessKey is required.",
      ],
      [
        {
          type: "s3",
          region: "us-east-1",
          bucket: "logs",
          accessKeyId: "a",
          secretAccessKey: "s",
          prefix: "a/../b",
        },
        "destinations.x.prefix must be a relative key prefix without '.' or '..' segments.",
      ],
      [{ type: "directory", path: "relative/dir" }, "destinations.x.path must be an absolute path."],
    ];
    for (const [input, message] of cases) assert.equal(rejection(input), message, JSON.stringify(input));
  });

  it("never echoes a rejected value, which may be a secret", () => {
    const message = rejection({ type: "blob", connectionString: "AccountKey=TOPSECRET;nothing-else" });
    assert.doesNotMatch(message, /TOPSECRET/);
  });
});

describe("destination configs: secrets", () => {
  const webhook = parseDestinationConfig(
    { type: "webhook", url: "https://h/x", secret: SECRET, headers: { Authorization: "Bearer abc" } },
    "d",
  );
  const all: DestinationConfig[] = [
    parseDestinationConfig({ type: "stream", servers: ["nats://h:4222"], token: "nats-token" }, "d"),
    parseDestinationConfig(
      { type: "stream", servers: ["nats://h:4222"], user: "u", password: "nats-pass" },
      "d",
    ),
    parseDestinationConfig({ type: "blob", connectionString: CONNECTION }, "d"),
    parseDestinationConfig(
      { type: "s3", region: "eu-west-1", bucket: "logs", accessKeyId: "AKIA1", secretAccessKey: "s3-secret" },
      "d",
    ),
    webhook,
  ];

  it("public views replace every secret with { set: true } and keep the rest", () => {
    const views = all.map((config) => JSON.stringify(publicDestinationConfig(config)));
    for (const secret of [
      "nats-token",
      "nats-pass",
      "c2VjcmV0LWtleQ",
      SECRET.slice(6),
      "Bearer abc",
      "s3-secret",
    ])
      for (const view of views) assert.ok(!view.includes(secret), `${secret} leaked in ${view}`);
    assert.deepEqual(publicDestinationConfig(webhook), {
      type: "webhook",
      url: "https://h/x",
      secret: { set: true },
      timeoutMs: 10_000,
      headers: { Authorization: { set: true } },
    });
    assert.deepEqual(publicDestinationConfig(all[1] as DestinationConfig), {
      type: "stream",
      servers: ["nats://h:4222"],
      subject: "aftercall.callsurvey",
      user: "u",
      password: { set: true },
    });
    assert.equal(
      (publicDestinationConfig(all[3] as DestinationConfig) as { accessKeyId: string }).accessKeyId,
      "AKIA1",
    );
  });

  it("an update that omits secrets, or sends back the public view, keeps the stored ones", () => {
    for (const previous of all) {
      const view = publicDestinationConfig(previous);
      assert.deepEqual(mergeDestinationSecrets(previous, view, "d"), previous, previous.type);
    }
    const slower = mergeDestinationSecrets(
      webhook,
      { type: "webhook", url: "https://h/x", timeoutMs: 20_000 },
      "d",
    );
    assert.deepEqual(slower, { ...webhook, timeoutMs: 20_000 });
  });

  it("a new target needs its secrets sent again: stored ones never follow a changed URL, endpoint or servers", () => {
    const refused = (previous: DestinationConfig, input: Record<string, unknown>) =>
      assert.throws(
        () => mergeDestinationSecrets(previous, input, "d"),
        (e: unknown) => (e as { code?: string }).code === "SECRET_REQUIRED_FOR_NEW_TARGET",
        JSON.stringify(input),
      );
    refused(webhook, { type: "webhook", url: "https://other/y" });
    refused(webhook, {
      type: "webhook",
      url: "https://h/other-path",
      headers: { Authorization: { set: true } },
    });
    refused(webhook, { type: "webhook", url: "https://other/y", secret: generateWebhookSecret() });
    refused(all[0] as DestinationConfig, { type: "stream", servers: ["nats://evil:4222"] });
    refused(all[1] as DestinationConfig, { type: "stream", servers: ["nats://evil:4222"], user: "u" });
    refused(all[3] as DestinationConfig, {
      type: "s3",
      endpoint: "https://evil.example",
      region: "eu-west-1",
      bucket: "logs",
      accessKeyId: "AKIA1",
    });
    refused(all[3] as DestinationConfig, {
      type: "s3",
      region: "eu-west-1",
      bucket: "other",
      accessKeyId: "AKIA1",
    });
    const secret = generateWebhookSecret();
    assert.deepEqual(
      mergeDestinationSecrets(webhook, { type: "webhook", url: "https://other/y", secret, headers: {} }, "d"),
      { ...webhook, url: "https://other/y", secret, headers: {} },
    );
    assert.deepEqual(
      mergeDestinationSecrets(
        all[0] as DestinationConfig,
        { type: "stream", servers: ["nats://b:4222"], token: "t2" },
        "d",
      ),
      { ...(all[0] as DestinationConfig), servers: ["nats://b:4222"], token: "t2" },
    );
  });

  it("webhook extra headers are a closed set", () => {
    assert.equal(
      rejection({
        type: "webhook",
        url: "https://h/x",
        secret: SECRET,
        headers: { "X-Forwarded-For": "1.2.3.4" },
      }),
      "destinations.x.headers.X-Forwarded-For is not an allowed header (allowed: Authorization, X-Api-Key, X-Auth-Token, User-Agent, X-Aftercall-*).",
    );
    const ok = parseDestinationConfig(
      {
        type: "webhook",
        url: "https://h/x",
        secret: SECRET,
        headers: { "X-Api-Key": "k", "X-Aftercall-Route": "r" },
      },
      "d",
    );
    assert.deepEqual(Object.keys((ok as { headers: object }).headers), ["X-Api-Key", "X-Aftercall-Route"]);
  });

  it("an update with new secrets replaces them; a marker with nothing stored is refused", () => {
    const rotated = generateWebhookSecret();
    const next = mergeDestinationSecrets(
      webhook,
      { type: "webhook", url: "https://h/x", secret: rotated, headers: {} },
      "d",
    );
    assert.deepEqual(next, { ...webhook, secret: rotated, headers: {} });
    assert.equal(
      rejection({ type: "webhook", url: "https://h/x", secret: { set: true } }),
      "destinations.x.secret is required (generate one with whsec_ + base64).",
    );
    // A stored secret of another type is never carried over.
    assert.equal(
      rejection({ type: "s3", region: "us-east-1", bucket: "logs", accessKeyId: "a" }, webhook),
      "destinations.x.secretAccessKey is required.",
    );
  });
});

describe("webhook signatures", () => {
  it("match the Standard Webhooks reference vector", () => {
    const body = '{"test": 2432232314}';
    assert.equal(
      signWebhook(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("generated secrets are whsec_ + base64 of 32 random bytes", () => {
    const a = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.ok(isWebhookSecret(a));
    assert.notEqual(a, generateWebhookSecret());
  });
});

describe("archive layout", () => {
  it("partitions by category and UTC hour of the record time, resource id upper-cased", () => {
    const chunks = archiveChunks(twoHourBatch());
    assert.deepEqual(
      chunks.map((c) => [c.container, c.name, c.count]),
      [
        ["insights-logs-callsurvey", HOUR_13_NAME, 3],
        ["insights-logs-callsurvey", HOUR_14_NAME, 2],
      ],
    );
    assert.equal(
      chunks[1]?.text,
      `${JSON.stringify(surveyRecord(4, Date.UTC(2026, 10, 1, 14)).body)}\n${JSON.stringify(surveyRecord(5, Date.UTC(2026, 10, 1, 14, 0, 1)).body)}\n`,
    );
  });

  it("pads months, days and hours and always writes m=00", () => {
    assert.equal(
      archiveBlobName("/SUBSCRIPTIONS/S/X", Date.UTC(2027, 0, 2, 3, 45)),
      "resourceId=/SUBSCRIPTIONS/S/X/y=2027/m=01/d=02/h=03/m=00/PT1H.json",
    );
  });

  it("refuses resource ids that could escape a directory", () => {
    for (const id of ["/SUBSCRIPTIONS/../../etc", "/A//B", "/A/./B", "/A\\B"]) {
      assert.throws(
        () => archiveBlobName(id, 0),
        (error: unknown) => error instanceof DeliveryFailure && !error.retryable,
        id,
      );
    }
  });

  it("splits text at line ends below the limit, and inside a line only when it alone is too long", () => {
    const text = "aaaa\nbb\ncccccccccc\nd\n";
    const pieces = splitLines(text, 8).map((b) => b.toString());
    assert.deepEqual(pieces, ["aaaa\nbb\n", "cccccccc", "cc\nd\n"]);
    assert.equal(pieces.join(""), text);
  });
});

describe("stream messages", () => {
  it("one message per batch, or cuts at record boundaries with stable ids when over max_payload", () => {
    const batch = twoHourBatch("d:1-5");
    const one = batchMessages(batch, 1_000_000);
    assert.equal(one.length, 1);
    assert.equal(one[0]?.id, "d:1-5");
    assert.deepEqual(JSON.parse(String(one[0]?.body)), { records: batch.records.map((r) => r.body) });
    const recordBytes = Buffer.byteLength(JSON.stringify(batch.records[0]?.body));
    const cut = batchMessages(batch, 14 + 2 * recordBytes + 1 + 5);
    assert.deepEqual(
      cut.map((m) => m.id),
      ["d:1-5/1", "d:1-5/2", "d:1-5/3"],
    );
    assert.deepEqual(
      cut.flatMap((m) => (JSON.parse(String(m.body)) as { records: unknown[] }).records),
      batch.records.map((r) => r.body),
    );
    assert.throws(
      () => batchMessages(batch, 20),
      (e: unknown) => e instanceof DeliveryFailure && !e.retryable,
    );
  });
});

describe("createDestination", () => {
  it("loads the adapter of each type without connecting", async () => {
    const configs: DestinationConfig[] = [
      parseDestinationConfig({ type: "stream", servers: ["nats://127.0.0.1:1"] }, "d"),
      parseDestinationConfig({ type: "blob", connectionString: CONNECTION }, "d"),
      parseDestinationConfig(
        { type: "s3", region: "us-east-1", bucket: "logs", accessKeyId: "a", secretAccessKey: "s" },
        "d",
      ),
      parseDestinationConfig({ type: "directory", path: "/nonexistent/aftercall" }, "d"),
      parseDestinationConfig({ type: "webhook", url: "http://127.0.0.1:1/x", secret: SECRET }, "d"),
    ];
    for (const config of configs) {
      const destination = await createDestination(config, TEST_OUTBOUND);
      assert.equal(destination.type, config.type);
      await destination.close();
      await destination.close();
      await assert.rejects(
        destination.deliver(twoHourBatch(), new AbortController().signal),
        DeliveryFailure,
      );
    }
  });
});
