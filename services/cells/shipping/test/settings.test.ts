import assert from "node:assert/strict";
import { test } from "node:test";
import { readSettings } from "../src/hosting/settings.js";

test("the runner's variables are read", () => {
  const s = readSettings({ APP_PORT: "5205", DAPR_HTTP_PORT: "3510", DAPR_GRPC_PORT: "50010", APP_API_TOKEN: "t" });
  assert.equal(s.appPort, 5205);
  assert.equal(s.daprHttpPort, 3510);
  assert.equal(s.daprGrpcPort, 50010);
  assert.equal(s.appApiToken, "t");
  assert.equal(s.appId, "shipping");
  assert.equal(readSettings({}).appApiToken, undefined);
  assert.equal(readSettings({}).daprHttpPort, 3500, "daprd's default HTTP port");
  assert.equal(readSettings({}).pubsub, "pubsub");
  assert.equal(readSettings({}).vitalsPubsub, "vitals-pubsub", "vitals go to their own component (a small stream cap)");
});

test("bad values stop the cell with a message naming the variable", () => {
  assert.throws(() => readSettings({ APP_PORT: "eighty" }), /APP_PORT must be a port number from 1 to 65535, not 'eighty'/);
  assert.throws(() => readSettings({ DAPR_GRPC_PORT: "70000" }), /DAPR_GRPC_PORT must be a port number/);
  assert.throws(() => readSettings({ DAPR_HTTP_PORT: "0" }), /DAPR_HTTP_PORT must be a port number/);
  assert.throws(() => readSettings({ VITALS_WINDOW_MS: "10" }), /VITALS_WINDOW_MS must be an integer from 50 to 600000/);
  assert.throws(() => readSettings({ SHIPPING_PUBSUB: "pub sub" }), /SHIPPING_PUBSUB must be a component or app name/);
  assert.throws(() => readSettings({ SHIPPING_VITALS_PUBSUB: "vitals pubsub" }), /SHIPPING_VITALS_PUBSUB must be a component or app name/);
});
