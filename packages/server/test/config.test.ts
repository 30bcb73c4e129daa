/** The server's environment: defaults, overrides, and a specific refusal for every bad value. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, describeStore, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("defaults to SQLite in ./.aftercall on 127.0.0.1:8787 with delivery on", () => {
    const config = loadConfig({});
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 8787);
    assert.equal(config.store.engine, "sqlite");
    assert.match(describeStore(config.store), /^SQLite in .*\.aftercall$/);
    assert.equal(config.delivery, true);
    assert.equal(config.deliveryPollMs, 250);
    assert.equal(config.operatorToken, undefined);
    assert.equal(config.analyticsSharePercent, 50);
    assert.equal(config.alertIntervalSeconds, 60);
  });

  it("holds refusals to an address that ignores Retry-After for up to 1 s unless told otherwise", () => {
    assert.equal(loadConfig({}).rateLimits?.refusalHoldMs, 1000);
    assert.equal(loadConfig({ AFTERCALL_REFUSAL_HOLD_MS: "0" }).rateLimits?.refusalHoldMs, 0);
    assert.equal(loadConfig({ AFTERCALL_REFUSAL_HOLD_MS: "2500" }).rateLimits?.refusalHoldMs, 2500);
    for (const value of ["-1", "10001", "soon"])
      assert.throws(
        () => loadConfig({ AFTERCALL_REFUSAL_HOLD_MS: value }),
        (e: unknown) => e instanceof ConfigError && e.message.includes("AFTERCALL_REFUSAL_HOLD_MS"),
        value,
      );
  });

  it("windows clientTime 30 days back and 24 hours ahead unless told otherwise; off turns it off", () => {
    const DAY = 86_400_000;
    assert.deepEqual(loadConfig({}).clientTimeWindow, { maxAgeMs: 30 * DAY, maxAheadMs: DAY });
    assert.deepEqual(
      loadConfig({
        AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS: "90",
        AFTERCALL_CLIENT_TIME_MAX_AHEAD_MINUTES: "10",
      }).clientTimeWindow,
      { maxAgeMs: 90 * DAY, maxAheadMs: 600_000 },
    );
    assert.equal(loadConfig({ AFTERCALL_CLIENT_TIME_WINDOW: "off" }).clientTimeWindow, false);
    for (const env of [
      { AFTERCALL_CLIENT_TIME_WINDOW: "maybe" },
      { AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS: "0" },
      { AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS: "3651" },
      { AFTERCALL_CLIENT_TIME_MAX_AHEAD_MINUTES: "-5" },
      { AFTERCALL_CLIENT_TIME_MAX_AHEAD_MINUTES: "ten" },
    ]) {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && e.message.includes(Object.keys(env)[0] as string),
        JSON.stringify(env),
      );
    }
  });

  it("takes the public URL for alert links, refusing one that is not a plain http(s) URL", () => {
    assert.equal(loadConfig({}).publicUrl, undefined);
    assert.equal(
      loadConfig({ AFTERCALL_PUBLIC_URL: "https://surveys.example.com/aftercall/" }).publicUrl,
      "https://surveys.example.com/aftercall",
    );
    for (const bad of [
      "surveys.example.com",
      "ftp://x.example",
      "https://u:p@x.example",
      "https://x.example/?a=1",
    ])
      assert.throws(
        () => loadConfig({ AFTERCALL_PUBLIC_URL: bad }),
        (e: unknown) => e instanceof ConfigError && e.message.includes("AFTERCALL_PUBLIC_URL"),
        bad,
      );
  });

  it("takes the analytics share while ingesting, up to 100 % (never pause)", () => {
    assert.equal(loadConfig({ AFTERCALL_ANALYTICS_SHARE_PERCENT: "100" }).analyticsSharePercent, 100);
    assert.equal(loadConfig({ AFTERCALL_ANALYTICS_SHARE_PERCENT: "25" }).analyticsSharePercent, 25);
  });

  it("evaluates alert rules every AFTERCALL_ALERT_INTERVAL_SECONDS (0: not in this process)", () => {
    assert.equal(loadConfig({ AFTERCALL_ALERT_INTERVAL_SECONDS: "15" }).alertIntervalSeconds, 15);
    assert.equal(loadConfig({ AFTERCALL_ALERT_INTERVAL_SECONDS: "0" }).alertIntervalSeconds, 0);
    assert.throws(
      () => loadConfig({ AFTERCALL_ALERT_INTERVAL_SECONDS: "-1" }),
      /AFTERCALL_ALERT_INTERVAL_SECONDS/,
    );
  });

  it("uses PostgreSQL for a DATABASE_URL, with the read pool size when one is given", () => {
    const url = "postgres://u:secret@db.internal:6543/surveys";
    assert.deepEqual(loadConfig({ DATABASE_URL: url }).store, { engine: "postgres", url });
    assert.deepEqual(loadConfig({ DATABASE_URL: url, AFTERCALL_PG_READ_CONNECTIONS: "6" }).store, {
      engine: "postgres",
      url,
      readConnections: 6,
    });
    // Described without the credentials.
    assert.equal(
      describeStore(loadConfig({ DATABASE_URL: url }).store),
      "PostgreSQL at db.internal:6543/surveys",
    );
  });

  it("lets CLI overrides win over the environment", () => {
    const config = loadConfig({ AFTERCALL_PORT: "9000", PORT: "9001" }, { AFTERCALL_PORT: "0" });
    assert.equal(config.port, 0);
  });

  for (const [name, value, message] of [
    ["AFTERCALL_PORT", "70000", /AFTERCALL_PORT must be a whole number from 0 to 65535, got "70000"/],
    [
      "AFTERCALL_PG_READ_CONNECTIONS",
      "0",
      /AFTERCALL_PG_READ_CONNECTIONS must be a whole number from 1 to 100/,
    ],
    ["AFTERCALL_PG_READ_CONNECTIONS", "two", /AFTERCALL_PG_READ_CONNECTIONS .* got "two"/],
    [
      "AFTERCALL_ANALYTICS_SHARE_PERCENT",
      "5",
      /AFTERCALL_ANALYTICS_SHARE_PERCENT must be a whole number from 10 to 100, got "5"/,
    ],
    ["AFTERCALL_DELIVERY", "maybe", /AFTERCALL_DELIVERY must be "on" or "off"/],
    ["AFTERCALL_LOG_LEVEL", "loud", /AFTERCALL_LOG_LEVEL must be one of/],
    ["AFTERCALL_OPERATOR_TOKEN", "short", /at least 24 characters/],
    ["DATABASE_URL", "mysql://x", /postgres:\/\/ or postgresql:\/\//],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      const env: Record<string, string> = { [name]: value };
      if (name === "AFTERCALL_PG_READ_CONNECTIONS") env.DATABASE_URL = "postgres://localhost/db";
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it("reads the outbound allow-list and the secret key's source", () => {
    assert.equal(loadConfig({}).outboundAllow, undefined);
    assert.deepEqual(loadConfig({ AFTERCALL_OUTBOUND_ALLOW: "minio.internal, 10.0.0.0/8" }).outboundAllow, {
      hosts: ["minio.internal"],
      cidrs: ["10.0.0.0/8"],
    });
    assert.throws(
      () => loadConfig({ AFTERCALL_OUTBOUND_ALLOW: "10.0.0.0/40" }),
      (e: unknown) =>
        e instanceof ConfigError && /AFTERCALL_OUTBOUND_ALLOW: "10\.0\.0\.0\/40"/.test(e.message),
    );
    assert.deepEqual(loadConfig({ AFTERCALL_DATA_DIR: "/srv/ac" }).secretKey, { file: "/srv/ac/secret.key" });
    assert.deepEqual(loadConfig({ AFTERCALL_SECRET_KEY_FILE: "/k", AFTERCALL_SECRET_KEY: "abc" }).secretKey, {
      file: "/k",
      key: "abc",
    });
  });
});
