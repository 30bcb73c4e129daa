import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSurveyClient, memoryStorage, type SurveyStorage } from "../src/index.js";
import { call, fakeFetch, json, options, waitFor } from "./support.js";

/** The page-lifecycle globals of a browser, installed on Node's globalThis for the duration of a suite. */
class FakePage {
  readonly window = new EventTarget();
  readonly document = Object.assign(new EventTarget(), {
    visibilityState: "visible" as DocumentVisibilityState,
    hidden: false,
  });
  readonly beacons: { url: string; type: string; body: unknown }[] = [];
  readonly pending: Promise<void>[] = [];
  private ownNavigator: PropertyDescriptor | undefined;

  install(): void {
    const g = globalThis as Record<string, unknown>;
    g.addEventListener = this.window.addEventListener.bind(this.window);
    g.document = this.document;
    // Node 21+ has a global navigator (a getter without a setter): define over it, put it back afterwards.
    this.ownNavigator = Object.getOwnPropertyDescriptor(globalThis, "navigator");
    Object.defineProperty(globalThis, "navigator", {
      configurable: true,
      writable: true,
      value: {
        sendBeacon: (url: string, data: Blob) => {
          this.pending.push(
            data
              .text()
              .then((text) => void this.beacons.push({ url, type: data.type, body: JSON.parse(text) })),
          );
          return true;
        },
      },
    });
  }

  uninstall(): void {
    const g = globalThis as Record<string, unknown>;
    delete g.addEventListener;
    delete g.document;
    delete g.navigator;
    if (this.ownNavigator) Object.defineProperty(globalThis, "navigator", this.ownNavigator);
  }

  hide(): void {
    this.document.visibilityState = "hidden";
    this.document.hidden = true;
    this.document.dispatchEvent(new Event("visibilitychange"));
  }

  show(): void {
    this.document.visibilityState = "visible";
    this.document.hidden = false;
    this.document.dispatchEvent(new Event("visibilitychange"));
  }

  async beaconsSent() {
    await Promise.all(this.pending);
    return this.beacons;
  }
}

describe("in a browser page", () => {
  const page = new FakePage();
  before(() => page.install());
  after(() => page.uninstall());

  it("hands the outbox to sendBeacon when the page is hidden or closed, keeping it queued", async () => {
    const storage = memoryStorage();
    const client = createSurveyClient(
      options(fakeFetch(() => "network-error").fetch, storage, { retry: { attempts: 1 } }),
    );
    const result = await client.forCall(call).send({ overallRating: { score: 3 } });
    assert.equal(result.ok && result.status, "queued");
    await waitFor(async () => (await client.pending()) === 2);

    page.hide();
    const beacons = await page.beaconsSent();
    assert.deepEqual(
      beacons.map((b) => [b.url, b.type]),
      [
        ["https://surveys.example.com/v1/surveys?key=ac_pk_test", "text/plain"],
        ["https://surveys.example.com/v1/events?key=ac_pk_test", "text/plain"],
      ],
    );
    assert.equal((beacons[0]?.body as { id?: string } | undefined)?.id, result.ok ? result.response.id : "");
    assert.equal(await client.pending(), 2, "a beacon's success is unknowable: items stay queued");

    page.window.dispatchEvent(new Event("pagehide"));
    assert.equal((await page.beaconsSent()).length, 4);
  });

  it("delivers when the network comes back and when the page is shown again", async () => {
    const storage: SurveyStorage = memoryStorage();
    let up = false;
    const net = fakeFetch(() => (up ? json(201, {}) : "network-error"));
    const client = createSurveyClient(options(net.fetch, storage, { retry: { attempts: 1 } }));
    await client.forCall(call).send({ overallRating: { score: 3 } });
    await waitFor(async () => (await client.pending()) === 2);
    up = true;
    page.window.dispatchEvent(new Event("online"));
    await waitFor(async () => (await client.pending()) === 0);

    up = false;
    await client.forCall(call).send({ overallRating: { score: 4 } });
    await waitFor(async () => (await client.pending()) === 2);
    up = true;
    page.show();
    await waitFor(async () => (await client.pending()) === 0);
  });
});
