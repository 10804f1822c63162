import { contractErrors, VitalsReportedType } from "../events/contracts.js";
import type { Logger } from "../hosting/log.js";
import type { CellVitals } from "./cellVitals.js";

export interface PublishApi {
  publish(pubsub: string, topic: string, data: object, options?: { metadata?: Record<string, string> }): Promise<unknown>;
}

/** Publishes each closed window on the `vitals` topic; a failed publish is logged and never stops the cell. */
export class VitalsPublisher {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly vitals: CellVitals,
    private readonly pubsub: PublishApi,
    private readonly pubsubName: string,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.windowMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async tick(): Promise<void> {
    const windows = this.vitals.close();
    if (windows.length === 0) {
      return;
    }
    const report = { cell: this.vitals.cell, inFlight: this.vitals.inFlight, windows };
    const problems = contractErrors(VitalsReportedType, report);
    if (problems !== null) {
      this.logger.log("error", "Vitals break their contract; not published", { problems });
      return;
    }
    try {
      await this.pubsub.publish(this.pubsubName, "vitals", report, { metadata: { "cloudevent.type": VitalsReportedType } });
    } catch (e) {
      this.logger.log("warn", "Publishing vitals failed", { error: errorText(e) });
    }
  }
}

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "error" in e) {
    return String((e as { error: unknown }).error);
  }
  return String(e);
}
