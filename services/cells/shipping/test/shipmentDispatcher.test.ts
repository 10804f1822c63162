import assert from "node:assert/strict";
import { test } from "node:test";
import { StateConcurrencyEnum } from "@dapr/dapr";
import { ShipmentDispatcher, type Delivery, type SidecarApi } from "../src/dispatch/shipmentDispatcher.js";
import { contractErrors } from "../src/events/contracts.js";
import { memoryLogger } from "../src/hosting/log.js";
import { defaultHormones, type ShippingHormones } from "../src/hormones/shippingHormones.js";

/** A sidecar at unit level: state with Dapr's first-write rule (insert only when absent), publishes captured. */
function fakeSidecar() {
  const state = new Map<string, string>();
  const published: { topic: string; data: Record<string, unknown>; metadata: Record<string, string> }[] = [];
  let failPublishes = 0;
  let answerPublishErrors = 0;
  const api: SidecarApi = {
    state: {
      get: async (_store, key) => (state.has(key) ? JSON.parse(state.get(key)!) : ""),
      save: async (_store, items) => {
        for (const item of items) {
          if (item.options?.concurrency === StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE && state.has(item.key)) {
            throw new Error("possible etag mismatch. error from state store: ERR Error running script");
          }
          state.set(item.key, JSON.stringify(item.value));
        }
        return {};
      },
    },
    pubsub: {
      publish: async (_pubsub, topic, data, options) => {
        if (failPublishes > 0) {
          failPublishes--;
          throw { error: new Error("sidecar unavailable") };
        }
        if (answerPublishErrors > 0) {
          // The JS SDK's HTTP client does not throw when a publish fails: it answers { error }.
          answerPublishErrors--;
          return { error: new Error("Internal Server Error: ERR_PUBSUB_PUBLISH_MESSAGE") };
        }
        published.push({ topic, data: data as Record<string, unknown>, metadata: options?.metadata ?? {} });
        return {};
      },
    },
  };
  return {
    api,
    state,
    published,
    failNextPublishes: (n: number) => (failPublishes = n),
    answerNextPublishesWithAnError: (n: number) => (answerPublishErrors = n),
  };
}

const order = { orderId: "o-1", customerId: "c-1", paymentId: "p-1", confirmedAt: "2026-03-02T09:10:00Z" };
const delivery = (data: unknown = order, source = "orders"): Delivery => ({ id: "o-1/confirmed", type: "biodapr.orders.confirmed.v1", source, data });

function dispatcher(sidecar: SidecarApi, hormones: Partial<ShippingHormones> = {}) {
  const logger = memoryLogger();
  const d = new ShipmentDispatcher(sidecar, () => ({ ...defaultHormones, ...hormones }), () => new Date("2026-03-02T09:10:01Z"), logger, { pubsub: "pubsub", stateStore: "statestore" });
  return { d, logger };
}

test("an OrderConfirmed is shipped: one decision stored, one ShipmentDispatched that satisfies its contract", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api);

  assert.equal(await d.onOrderConfirmed(delivery()), "SUCCESS");

  assert.equal(sidecar.published.length, 1);
  const [event] = sidecar.published;
  assert.equal(event!.topic, "shipments");
  assert.deepEqual(event!.metadata, { "cloudevent.id": "o-1/shipped", "cloudevent.type": "biodapr.shipments.dispatched.v1" });
  assert.deepEqual(event!.data, { orderId: "o-1", customerId: "c-1", shipmentId: "shp-o-1", carrier: "express", dispatchAt: "2026-03-02T16:00:00.000Z", dispatchedAt: "2026-03-02T09:10:01.000Z" });
  assert.equal(contractErrors("biodapr.shipments.dispatched.v1", event!.data), null);
});

test("a redelivery publishes nothing and decides nothing again, even after the hormones changed", async () => {
  const sidecar = fakeSidecar();
  await dispatcher(sidecar.api).d.onOrderConfirmed(delivery());
  const stored = sidecar.state.get("shipment-o-1");

  const { d, logger } = dispatcher(sidecar.api, { carrier: "economy" });
  assert.equal(await d.onOrderConfirmed(delivery()), "SUCCESS");

  assert.equal(sidecar.published.length, 1);
  assert.equal(sidecar.state.get("shipment-o-1"), stored);
  assert.ok(logger.lines.some((l) => l.message.includes("redelivery ignored")));
});

test("two deliveries at once make one decision (first write wins) and announce only that one", async () => {
  const sidecar = fakeSidecar();
  const a = dispatcher(sidecar.api, { carrier: "express" }).d;
  const b = dispatcher(sidecar.api, { carrier: "economy" }).d;

  await Promise.all([a.onOrderConfirmed(delivery()), b.onOrderConfirmed(delivery())]);

  const decided = JSON.parse(sidecar.state.get("shipment-o-1")!).carrier;
  assert.ok(sidecar.published.length >= 1);
  for (const event of sidecar.published) {
    assert.equal(event.data.carrier, decided, "every announcement carries the stored decision");
    assert.equal(event.metadata["cloudevent.id"], "o-1/shipped", "consumers deduplicate by this id");
  }
});

test("a failed publish throws (the sidecar redelivers) and the redelivery publishes the same shipment", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api);
  sidecar.failNextPublishes(1);

  await assert.rejects(() => d.onOrderConfirmed(delivery()));
  assert.equal(sidecar.published.length, 0);
  assert.equal(sidecar.state.has("shipment-published-o-1"), false);

  assert.equal(await d.onOrderConfirmed(delivery()), "SUCCESS");
  assert.equal(sidecar.published.length, 1);
  assert.equal(sidecar.published[0]!.data.shipmentId, "shp-o-1");
});

test("a publish answered with an error (the SDK's HTTP client does not throw) is not marked published, and is retried", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api);
  sidecar.answerNextPublishesWithAnError(1);

  await assert.rejects(() => d.onOrderConfirmed(delivery()), /ERR_PUBSUB_PUBLISH_MESSAGE/);
  assert.equal(sidecar.published.length, 0);
  assert.equal(sidecar.state.has("shipment-published-o-1"), false, "a shipment whose event was not published is not marked published");

  assert.equal(await d.onOrderConfirmed(delivery()), "SUCCESS");
  assert.equal(sidecar.published.length, 1);
});

test("an OrderConfirmed that breaks its contract is dropped, naming the fields", async () => {
  for (const bad of [{ ...order, paymentId: undefined }, { ...order, confirmedAt: "yesterday" }, { ...order, orderId: 42 }, null, "text", []]) {
    const sidecar = fakeSidecar();
    const { d, logger } = dispatcher(sidecar.api);
    assert.equal(await d.onOrderConfirmed(delivery(bad)), "DROP", JSON.stringify(bad));
    assert.equal(sidecar.published.length, 0);
    assert.equal(sidecar.state.size, 0);
    assert.match(String(logger.lines[0]!.fields?.problems), /paymentId|confirmedAt|orderId|must be object/);
  }
});

test("an OrderConfirmed from anyone but orders is dropped (forged events)", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api);
  assert.equal(await d.onOrderConfirmed(delivery(order, "notifications")), "DROP");
  assert.equal(sidecar.published.length, 0);
});

test("other order events are acknowledged and ignored", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api);
  assert.equal(await d.onOrderConfirmed({ ...delivery(), type: "biodapr.orders.placed.v1" }), "SUCCESS");
  assert.equal(sidecar.published.length, 0);
});

test("with dispatching switched off the event waits (RETRY) and nothing is decided", async () => {
  const sidecar = fakeSidecar();
  const { d } = dispatcher(sidecar.api, { dispatching: false });
  assert.equal(await d.onOrderConfirmed(delivery()), "RETRY");
  assert.equal(sidecar.state.size, 0);
});
