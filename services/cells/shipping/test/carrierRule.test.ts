import assert from "node:assert/strict";
import { test } from "node:test";
import { decideDispatch } from "../src/dispatch/carrierRule.js";
import { defaultHormones } from "../src/hormones/shippingHormones.js";

test("confirmed in the morning: ready before the 16:00 pickup, leaves the same day by express", () => {
  assert.deepEqual(decideDispatch(new Date("2026-03-02T09:10:00Z"), defaultHormones), { carrier: "express", dispatchAt: "2026-03-02T16:00:00.000Z" });
});

test("confirmed after the cutoff (pickup minus handling): leaves the next day by standard", () => {
  assert.deepEqual(decideDispatch(new Date("2026-03-02T15:31:00Z"), defaultHormones), { carrier: "standard", dispatchAt: "2026-03-03T16:00:00.000Z" });
});

test("exactly at the cutoff: still the same day's pickup", () => {
  assert.equal(decideDispatch(new Date("2026-03-02T15:30:00Z"), defaultHormones).dispatchAt, "2026-03-02T16:00:00.000Z");
});

test("a parcel that leaves two or more days after the confirmation: economy", () => {
  assert.deepEqual(decideDispatch(new Date("2026-03-02T17:00:00Z"), { ...defaultHormones, handlingMinutes: 1440 }), { carrier: "economy", dispatchAt: "2026-03-04T16:00:00.000Z" });
});

test("late evening confirmation with a 30-minute handling that crosses midnight: the next day's pickup, standard", () => {
  assert.deepEqual(decideDispatch(new Date("2026-03-02T23:50:00Z"), defaultHormones), { carrier: "standard", dispatchAt: "2026-03-03T16:00:00.000Z" });
});

test("a carrier hormone other than auto is used for every parcel", () => {
  assert.equal(decideDispatch(new Date("2026-03-02T09:10:00Z"), { ...defaultHormones, carrier: "economy" }).carrier, "economy");
});

test("the same order and hormones give the same decision (pure)", () => {
  const at = new Date("2026-03-02T12:00:00Z");
  assert.deepEqual(decideDispatch(at, defaultHormones), decideDispatch(at, defaultHormones));
});
