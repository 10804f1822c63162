import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryLogger } from "../src/hosting/log.js";
import { HormoneSource, storeMetadata, type ConfigurationApi } from "../src/hormones/hormoneSource.js";
import { applyHormones, defaultHormones, hormoneKeys } from "../src/hormones/shippingHormones.js";

test("values of the cell's keys are parsed and applied", () => {
  const { hormones, update } = applyHormones("shipping", defaultHormones, {
    "shipping.pickupHourUtc": "9",
    "shipping.carrier": "economy",
    "shipping.admission.shedStatusCode": "429",
    "shipping.pathogens.errorRate": "0.25",
    "shipping.pathogens.outage": "TRUE",
  });
  assert.deepEqual(update.rejected, []);
  assert.equal(hormones.pickupHourUtc, 9);
  assert.equal(hormones.carrier, "economy");
  assert.equal(hormones.admission.shedStatusCode, 429);
  assert.equal(hormones.pathogens.errorRate, 0.25);
  assert.equal(hormones.pathogens.outage, true);
  assert.equal(defaultHormones.pathogens.outage, false, "the defaults are not changed");
});

test("a bad value is rejected naming the key and the rule, and the last good value stays", () => {
  const { hormones, update } = applyHormones("shipping", defaultHormones, {
    "shipping.pickupHourUtc": "24",
    "shipping.pathogens.errorRate": "lots",
    "shipping.carrier": "pigeon",
    "shipping.pathogens.outage": "yes",
    "shipping.admission.shedStatusCode": "500",
  });
  assert.equal(update.applied.length, 0);
  assert.deepEqual(
    update.rejected.map((r) => `${r.key}: ${r.reason}`),
    [
      "shipping.pickupHourUtc: must be an integer from 0 to 23",
      "shipping.pathogens.errorRate: must be a number from 0 to 1",
      "shipping.carrier: must be one of auto, express, standard, economy",
      "shipping.pathogens.outage: must be true or false",
      "shipping.admission.shedStatusCode: must be one of 429, 503",
    ],
  );
  assert.deepEqual(hormones, defaultHormones);
});

test("an unknown key under the cell's prefix is rejected; other cells' keys are ignored", () => {
  const { update } = applyHormones("shipping", defaultHormones, { "shipping.pickupHour": "3", "orders.maxQuantity": "2", "shipping.__proto__": "1", "shipping.constructor": "1" });
  assert.deepEqual(update.rejected.map((r) => `${r.key}: ${r.reason}`), ["shipping.pickupHour: is not a hormone of this cell", "shipping.__proto__: is not a hormone of this cell", "shipping.constructor: is not a hormone of this cell"]);
  assert.deepEqual(update.applied, []);
});

test("every hormone has a key under the cell's prefix, as in components/local/hormones.json", async () => {
  const { readFile } = await import("node:fs/promises");
  const defaults = JSON.parse(await readFile(new URL("../../../../../components/local/hormones.json", import.meta.url), "utf8")) as Record<string, string>;
  const ours = Object.keys(defaults).filter((k) => k.startsWith("shipping."));
  assert.deepEqual([...ours].sort(), [...hormoneKeys("shipping")].sort());
  const { hormones, update } = applyHormones("shipping", defaultHormones, Object.fromEntries(ours.map((k) => [k, defaults[k]!])));
  assert.deepEqual(update.rejected, []);
  assert.deepEqual(hormones, defaultHormones, "the committed defaults are the cell's defaults");
});

test("the source reads at start, then applies what the subscription delivers", async () => {
  let deliver: ((res: { items: Record<string, { value: string }> }) => unknown) | undefined;
  const api: ConfigurationApi = {
    get: async () => ({ items: { "shipping.handlingMinutes": { value: "45" } } }),
    subscribeWithMetadata: async (_store, keys, metadata, cb) => {
      assert.deepEqual(metadata, { sentinelKey: "sentinel" });
      assert.ok(keys.includes("shipping.pathogens.outage"));
      deliver = cb;
      return { stop: () => undefined };
    },
  };
  const logger = memoryLogger();
  const source = new HormoneSource("shipping", "hormones", api, logger, 60_000, storeMetadata({ Hormones__hormones__Metadata__sentinelKey: "sentinel", Hormones__other__Metadata__x: "y" }, "hormones"));
  assert.equal(source.loaded, false);
  await source.start();
  assert.equal(source.loaded, true);
  assert.equal(source.current.handlingMinutes, 45);
  deliver!({ items: { "shipping.pathogens.outage": { value: "true" } } });
  assert.equal(source.current.pathogens.outage, true);
  deliver!({ items: { "shipping.pathogens.outage": { value: "maybe" } } });
  assert.equal(source.current.pathogens.outage, true, "a bad update keeps the last good value");
  assert.ok(logger.lines.some((l) => l.message.startsWith("Rejected a hormone update") && l.fields?.key === "shipping.pathogens.outage"));
  await source.stop();
});

test("a deleted key (no value) returns the hormone to its default", () => {
  const changed = applyHormones("shipping", defaultHormones, { "shipping.handlingMinutes": "90", "shipping.pathogens.outage": "true" }).hormones;
  const { hormones, update } = applyHormones("shipping", changed, { "shipping.handlingMinutes": "", "shipping.pathogens.outage": "" });
  assert.deepEqual(update.rejected, []);
  assert.deepEqual(hormones, defaultHormones);
});
