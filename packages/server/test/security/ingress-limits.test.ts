/**
 * Cheap rejection first, against a real server process on both engines: a refused request is answered
 * from its headers and the connection closed without reading its body; bodies must arrive in time; one
 * address cannot hold more than its share of connections; encoded bodies are decoded within the limit.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { onEveryEngineServer, rawRequest, type SecurityServer } from "../support/security-server.js";
import { survey } from "../support/test-app.js";

const MiB = 1024 * 1024;

onEveryEngineServer("ingress_limits", (engine, start) => {
  describe(`ingress limits (${engine})`, { timeout: 120_000 }, () => {
    let s: SecurityServer;
    before(async () => {
      s = await start({ AFTERCALL_BODY_TIMEOUT_MS: "1000", AFTERCALL_MAX_CONNECTIONS_PER_ADDRESS: "8" });
    });
    after(() => s?.stop());

    const post = (path: string, headers: Record<string, string>, key = s.ingestKey) =>
      [
        `POST ${path} HTTP/1.1`,
        "Host: localhost",
        ...(key ? [`x-aftercall-key: ${key}`] : []),
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ].join("\r\n");

    it("answers a bad key on a 4 MiB body from the headers and closes without reading the body", async () => {
      const head = post(
        "/v1/surveys/batch",
        {
          "content-type": "application/json",
          "content-length": String(4 * MiB),
        },
        "ac_pk_notavalidkey000000000000000000",
      );
      // Only the first KiB is sent: the answer must not wait for the rest.
      const answer = await rawRequest(s.port, head, Buffer.alloc(1024, 0x20));
      assert.equal(answer.status, 401, answer.head);
      assert.match(answer.body, /"code":"UNAUTHORIZED"/);
      assert.ok(answer.closed, "the connection is closed, so the rest of the body is never read");
    });

    it("refuses an unsupported Content-Type before the body with 415", async () => {
      const head = post("/v1/surveys", { "content-type": "application/xml", "content-length": "50000" });
      const answer = await rawRequest(s.port, head, "<x/>");
      assert.equal(answer.status, 415, answer.head);
      assert.match(answer.body, /UNSUPPORTED_MEDIA_TYPE/);
      assert.ok(answer.closed);
    });

    it("refuses a declared Content-Length over the endpoint's limit before the body with 413", async () => {
      const head = post("/v1/surveys", { "content-type": "application/json", "content-length": String(MiB) });
      const answer = await rawRequest(s.port, head);
      assert.equal(answer.status, 413, answer.head);
      assert.match(answer.body, /PAYLOAD_TOO_LARGE/);
      assert.ok(answer.closed);
    });

    it("refuses a Content-Encoding it does not decode with 415", async () => {
      for (const encoding of ["compress", "gzip, br", "zstd"]) {
        const body = gzipSync(JSON.stringify(survey()));
        const response = await fetch(`${s.url}/v1/surveys`, {
          method: "POST",
          headers: {
            "x-aftercall-key": s.ingestKey,
            "content-type": "application/json",
            "content-encoding": encoding,
          },
          body,
        });
        assert.equal(response.status, 415, encoding);
        assert.equal(((await response.json()) as { code: string }).code, "UNSUPPORTED_MEDIA_TYPE");
      }
    });

    it("decodes honest gzip, deflate and br bodies", async () => {
      const codings = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
      for (const [encoding, encode] of Object.entries(codings)) {
        const response = await fetch(`${s.url}/v1/surveys`, {
          method: "POST",
          headers: {
            "x-aftercall-key": s.ingestKey,
            "content-type": "application/json",
            "content-encoding": encoding,
          },
          body: encode(Buffer.from(JSON.stringify(survey()))),
        });
        assert.equal(response.status, 201, `${encoding}: ${await response.text()}`);
      }
      const batch = {
        surveys: Array.from({ length: 200 }, () => survey({ dimensions: { note: "x".repeat(200) } })),
      };
      const response = await fetch(`${s.url}/v1/surveys/batch`, {
        method: "POST",
        headers: {
          "x-aftercall-key": s.ingestKey,
          "content-type": "application/json",
          "content-encoding": "gzip",
        },
        body: gzipSync(JSON.stringify(batch)),
      });
      assert.equal(response.status, 200, await response.text());
    });

    it("stops decoding a compression bomb at the limit with 413 and stays healthy", async () => {
      // 64 MiB of spaces inside a JSON string: ~64 KiB gzip, a few hundred bytes br.
      const inflated = Buffer.alloc(64 * MiB, 0x20);
      inflated.write('{"surveys":["', 0);
      const bombs = { gzip: gzipSync(inflated, { level: 9 }), br: brotliCompressSync(inflated) };
      for (const [encoding, bomb] of Object.entries(bombs)) {
        const started = Date.now();
        const response = await fetch(`${s.url}/v1/surveys/batch`, {
          method: "POST",
          headers: {
            "x-aftercall-key": s.ingestKey,
            "content-type": "application/json",
            "content-encoding": encoding,
          },
          body: bomb,
        });
        assert.equal(response.status, 413, encoding);
        assert.equal(((await response.json()) as { code: string }).code, "PAYLOAD_TOO_LARGE");
        assert.ok(Date.now() - started < 5_000, `${encoding} bomb took ${Date.now() - started} ms`);
      }
      assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    });

    it("answers a body that does not decode with 400 INVALID_ENCODING", async () => {
      const response = await fetch(`${s.url}/v1/surveys`, {
        method: "POST",
        headers: {
          "x-aftercall-key": s.ingestKey,
          "content-type": "application/json",
          "content-encoding": "gzip",
        },
        body: Buffer.from("this is not gzip at all"),
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { code: string }).code, "INVALID_ENCODING");
    });

    it("refuses a body that is not valid UTF-8 with 400 INVALID_ENCODING (never U+FFFD)", async () => {
      const text = JSON.stringify(survey({ dimensions: { city: "caf\u00e9" } }));
      const bytes = Buffer.from(text.replace("caf\u00e9", "caf\u0001"));
      bytes[bytes.indexOf(0x01)] = 0xff;
      const response = await fetch(`${s.url}/v1/surveys`, {
        method: "POST",
        headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
        body: bytes,
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { code: string }).code, "INVALID_ENCODING");
    });

    it("answers 408 and closes a connection whose body does not arrive in time", async () => {
      const head = post("/v1/surveys", { "content-type": "application/json", "content-length": "400" });
      const answer = await rawRequest(s.port, head, '{"id":', { timeoutMs: 10_000 });
      assert.equal(answer.status, 408, answer.head);
      assert.equal((JSON.parse(answer.body) as { code: string }).code, "REQUEST_TIMEOUT");
      assert.ok(answer.closed);
      assert.ok(answer.ms >= 700 && answer.ms < 6_000, `answered after ${answer.ms} ms`);
    });

    it("spreads the deadlines of slow bodies opened together over the last quarter of the timeout", async () => {
      const head = post("/v1/events", { "content-type": "application/json", "content-length": "400" });
      // From 12 addresses (127/8 is all this machine), each well under the connection cap.
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          rawRequest(s.port, head, '{"events":', { timeoutMs: 10_000, localAddress: `127.0.0.${40 + i}` }),
        ),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 408, answer.head);
        assert.ok(answer.ms >= 700 && answer.ms < 1_600, `answered after ${answer.ms} ms`);
      }
      const times = answers.map((a) => a.ms);
      // Drawn from 750–1000 ms: twelve draws all within 60 ms of each other happen about once in 10^6.
      assert.ok(Math.max(...times) - Math.min(...times) >= 60, `all expired together: ${times.join(", ")}`);
    });

    it("caps open connections per address with 429, and accepts again once one closes", async () => {
      const sockets: Socket[] = [];
      const open = () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ port: s.port, host: "127.0.0.1" }, () => resolve(socket));
          socket.on("error", reject);
        });
      try {
        for (let i = 0; i < 8; i++) sockets.push(await open());
        // Let the server register them before the one too many.
        await sleep(100);
        const refused = await rawRequest(s.port, "GET /healthz HTTP/1.1\r\nHost: localhost");
        assert.equal(refused.status, 429, refused.head);
        assert.match(refused.head, /retry-after: 1/i);
        assert.ok(refused.closed);
        // Another address has its own budget.
        const other = await rawRequest(s.port, "GET /healthz HTTP/1.1\r\nHost: localhost", "", {
          localAddress: "127.0.0.2",
        });
        assert.equal(other.status, 200, other.head);
        sockets.pop()?.destroy();
        await sleep(200);
        const again = await rawRequest(s.port, "GET /healthz HTTP/1.1\r\nHost: localhost");
        assert.equal(again.status, 200, again.head);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });
  });
});
