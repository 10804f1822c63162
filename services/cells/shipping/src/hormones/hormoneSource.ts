import type { Logger } from "../hosting/log.js";
import { applyHormones, defaultHormones, hormoneKeys, type ShippingHormones } from "./shippingHormones.js";

/** The part of the Dapr JS SDK's configuration client this cell uses (DaprClient.configuration over gRPC). */
export interface ConfigurationApi {
  get(storeName: string, keys: string[], metadata?: Record<string, string>): Promise<{ items: Record<string, { value: string }> }>;
  subscribeWithMetadata(
    storeName: string,
    keys: string[],
    metadata: Record<string, string>,
    cb: (res: { items: Record<string, { value: string }> }) => unknown,
  ): Promise<{ stop: () => Promise<void> | void }>;
}

/**
 * The cell's live hormones: read once at start (GetConfiguration), then kept current by the configuration API's
 * subscription. The SDK ends a broken subscription stream silently, so the values are also read again every
 * `resyncMs` and the subscription renewed: a sidecar restart cannot leave the cell on stale hormones for long.
 */
export class HormoneSource {
  #current: ShippingHormones = defaultHormones;
  #subscription: { stop: () => Promise<void> | void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #loaded = false;
  readonly #keys: string[];

  constructor(
    private readonly cell: string,
    private readonly store: string,
    private readonly api: ConfigurationApi,
    private readonly logger: Logger,
    private readonly resyncMs = 10_000,
    /** Store-specific request metadata, such as the sentinelKey configuration.azure.appconfig needs (Redis needs none). */
    private readonly metadata: Record<string, string> = {},
  ) {
    this.#keys = hormoneKeys(cell);
  }

  get current(): ShippingHormones {
    return this.#current;
  }

  /** True once the hormones were read from the store (the cell is warm only then). */
  get loaded(): boolean {
    return this.#loaded;
  }

  async start(): Promise<void> {
    await this.resync();
    this.#timer = setInterval(() => {
      this.resync().catch((e: unknown) => this.logger.log("warn", "Reading the hormones failed; the last good values stay", { store: this.store, error: String(e) }));
    }, this.resyncMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#subscription?.stop();
  }

  /** Applies configuration items (from a read or the subscription). */
  apply(items: Record<string, { value: string }>): void {
    const flat: Record<string, string> = {};
    for (const [key, item] of Object.entries(items)) {
      flat[key] = item.value;
    }
    const { hormones, update } = applyHormones(this.cell, this.#current, flat);
    for (const bad of update.rejected) {
      this.logger.log("warn", "Rejected a hormone update; the last good value stays", bad);
    }
    const changed = update.applied.filter((key) => JSON.stringify(pick(hormones, this.cell, key)) !== JSON.stringify(pick(this.#current, this.cell, key)));
    this.#current = hormones;
    if (changed.length > 0) {
      this.logger.log("info", "Hormones applied", { keys: changed });
    }
  }

  private async resync(): Promise<void> {
    const read = await this.api.get(this.store, this.#keys, this.metadata);
    this.apply(read.items ?? {});
    this.#loaded = true;
    await this.#subscription?.stop();
    this.#subscription = await this.api.subscribeWithMetadata(this.store, this.#keys, this.metadata, (res) => this.apply(res.items ?? {}));
  }
}

function pick(hormones: ShippingHormones, cell: string, key: string): unknown {
  let node: unknown = hormones;
  for (const part of key.slice(cell.length + 1).split(".")) {
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The store's request metadata from the environment, named as a C# cell reads it from configuration
 * (`Hormones__<store>__Metadata__<name>`, e.g. the sentinelKey the Azure Bicep sets for every cell).
 */
export function storeMetadata(env: NodeJS.ProcessEnv, store: string): Record<string, string> {
  const prefix = `Hormones__${store}__Metadata__`;
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith(prefix) && v !== undefined && k.length > prefix.length).map(([k, v]) => [k.slice(prefix.length), v!]));
}
