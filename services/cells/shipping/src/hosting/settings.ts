// The cell's start-up configuration (environment variables set by the Dapr CLI, the development runner, or the
// container platform). A bad value stops the cell at start with a message naming the variable.

export interface Settings {
  readonly appId: string;
  /** Where the sidecar calls us (subscriptions, health probes): APP_PORT. */
  readonly appPort: number;
  /** The token the sidecar sends in dapr-api-token on every callback: APP_API_TOKEN (none: not checked). */
  readonly appApiToken: string | undefined;
  readonly daprHost: string;
  /** The sidecar's HTTP API (state and publishing, traced): DAPR_HTTP_PORT (default 3500). */
  readonly daprHttpPort: number;
  /** The sidecar's gRPC API (the configuration API, which the JS SDK serves only over gRPC; vitals): DAPR_GRPC_PORT. */
  readonly daprGrpcPort: number;
  readonly pubsub: string;
  /** The pub/sub component of the vitals topic (a small stream cap of its own): SHIPPING_VITALS_PUBSUB (default vitals-pubsub). */
  readonly vitalsPubsub: string;
  readonly stateStore: string;
  readonly hormoneStore: string;
  /** Length of a vitals window in milliseconds: VITALS_WINDOW_MS (default 1000). */
  readonly vitalsWindowMs: number;
}

export class SettingsError extends Error {}

function port(env: NodeJS.ProcessEnv, name: string, fallback?: number): number {
  const text = env[name];
  if (text === undefined || text === "") {
    if (fallback !== undefined) {
      return fallback;
    }
    throw new SettingsError(`${name} is required (the port number)`);
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new SettingsError(`${name} must be a port number from 1 to 65535, not '${text}'`);
  }
  return value;
}

function name(env: NodeJS.ProcessEnv, key: string, fallback: string): string {
  const text = env[key] ?? fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(text)) {
    throw new SettingsError(`${key} must be a component or app name (letters, digits, '.', '_', '-'), not '${text}'`);
  }
  return text;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const windowText = env.VITALS_WINDOW_MS ?? "1000";
  const vitalsWindowMs = Number(windowText);
  if (!Number.isInteger(vitalsWindowMs) || vitalsWindowMs < 50 || vitalsWindowMs > 600_000) {
    throw new SettingsError(`VITALS_WINDOW_MS must be an integer from 50 to 600000, not '${windowText}'`);
  }
  const appPort = port(env, "APP_PORT", 5205);
  return {
    appId: name(env, "APP_ID", "shipping"),
    appPort,
    appApiToken: env.APP_API_TOKEN ? env.APP_API_TOKEN : undefined,
    daprHost: env.DAPR_HOST ?? "127.0.0.1",
    daprHttpPort: port(env, "DAPR_HTTP_PORT", 3500),
    daprGrpcPort: port(env, "DAPR_GRPC_PORT", 50001),
    pubsub: name(env, "SHIPPING_PUBSUB", "pubsub"),
    vitalsPubsub: name(env, "SHIPPING_VITALS_PUBSUB", "vitals-pubsub"),
    stateStore: name(env, "SHIPPING_STATESTORE", "statestore"),
    hormoneStore: name(env, "SHIPPING_HORMONES", "hormones"),
    vitalsWindowMs,
  };
}
