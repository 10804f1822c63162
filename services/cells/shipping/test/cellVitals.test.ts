import assert from "node:assert/strict";
import { test } from "node:test";
import { contractErrors } from "../src/events/contracts.js";
import { CellVitals } from "../src/vitals/cellVitals.js";

test("a window whose only news is a call that ended is published, with the call's outcome; a quiet one is not", () => {
  let now = new Date("2026-12-06T21:00:00Z");
  const vitals = new CellVitals("shipping", () => now, () => 16);

  vitals.started("POST /events/orders-confirmed");
  now = new Date("2026-12-06T21:00:01Z");
  const [first] = vitals.close();
  vitals.ended("POST /events/orders-confirmed", "serverError", 1400);
  now = new Date("2026-12-06T21:00:02Z");
  const second = vitals.close();
  now = new Date("2026-12-06T21:00:03Z");
  const third = vitals.close();

  assert.equal(first?.inFlight, 1);
  assert.equal(second.length, 1, "the window in which the call ended is published");
  assert.equal(second[0]?.calls, 0);
  assert.equal(second[0]?.serverErrors, 1);
  assert.equal(second[0]?.inFlight, 0);
  assert.equal(contractErrors("biodapr.vitals.v1", { cell: "shipping", inFlight: 0, windows: second }), null);
  assert.deepEqual(third, [], "nothing happened");
});
