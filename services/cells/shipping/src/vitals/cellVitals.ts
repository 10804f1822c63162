// Vital signs = telemetry windows, in the organism's shared vitals contract (biodapr.vitals.v1, VitalsWindow in
// BioDapr.Contracts): per endpoint, every window, published on the `vitals` topic for the cortex.

export type CallOutcome = "success" | "clientError" | "serverError" | "timeout" | "shed" | "canceled";

/** VitalsKind in BioDapr.Contracts: 0 = pathway, 1 = endpoint. */
export const EndpointKind = 1;

export interface VitalsWindow {
  cell: string;
  name: string;
  kind: number;
  start: string;
  end: string;
  calls: number;
  successes: number;
  successesWithinSlo: number;
  clientErrors: number;
  serverErrors: number;
  timeouts: number;
  transportErrors: number;
  breakerOpen: number;
  shed: number;
  canceled: number;
  attempts: number;
  retries: number;
  hedges: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  latencyMaxMs: number;
  queueWaitP95Ms: number;
  inFlight: number;
  maxInFlight: number;
  queued: number;
  limit: number;
  sloMs: number;
}

class Recorder {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly counts: Record<CallOutcome, number> = { success: 0, clientError: 0, serverError: 0, timeout: 0, shed: 0, canceled: 0 };
  withinSlo = 0;
  latencies: number[] = [];

  constructor(
    readonly name: string,
    public start: Date,
  ) {}
}

export class CellVitals {
  readonly #recorders = new Map<string, Recorder>();

  constructor(
    readonly cell: string,
    private readonly now: () => Date,
    private readonly limit: () => number,
    readonly sloMs = 250,
  ) {}

  started(name: string): void {
    let recorder = this.#recorders.get(name);
    if (recorder === undefined) {
      recorder = new Recorder(name, this.now());
      this.#recorders.set(name, recorder);
    }
    recorder.calls++;
    recorder.inFlight++;
    recorder.maxInFlight = Math.max(recorder.maxInFlight, recorder.inFlight);
  }

  ended(name: string, outcome: CallOutcome, latencyMs: number): void {
    const recorder = this.#recorders.get(name);
    if (recorder === undefined) {
      return;
    }
    recorder.inFlight--;
    recorder.counts[outcome]++;
    if (outcome === "success" && latencyMs <= this.sloMs) {
      recorder.withinSlo++;
    }
    if (outcome !== "shed") {
      recorder.latencies.push(latencyMs);
    }
  }

  get inFlight(): number {
    let total = 0;
    for (const recorder of this.#recorders.values()) {
      total += recorder.inFlight;
    }
    return total;
  }

  /**
   * Closes the current windows and starts the next ones. A window is published when anything happened in it: a call
   * started or ended, or one is in flight (a call that started earlier and ended now carries its outcome).
   */
  close(): VitalsWindow[] {
    const end = this.now();
    const windows: VitalsWindow[] = [];
    for (const r of this.#recorders.values()) {
      const ended = Object.values(r.counts).reduce((sum, n) => sum + n, 0);
      if (r.calls > 0 || r.inFlight > 0 || ended > 0) {
        const sorted = r.latencies.sort((a, b) => a - b);
        const quantile = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
        windows.push({
          cell: this.cell,
          name: r.name,
          kind: EndpointKind,
          start: r.start.toISOString(),
          end: end.toISOString(),
          calls: r.calls,
          successes: r.counts.success,
          successesWithinSlo: r.withinSlo,
          clientErrors: r.counts.clientError,
          serverErrors: r.counts.serverError,
          timeouts: r.counts.timeout,
          transportErrors: 0,
          breakerOpen: 0,
          shed: r.counts.shed,
          canceled: r.counts.canceled,
          attempts: r.calls,
          retries: 0,
          hedges: 0,
          latencyP50Ms: quantile(0.5),
          latencyP95Ms: quantile(0.95),
          latencyP99Ms: quantile(0.99),
          latencyMeanMs: sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length,
          latencyMaxMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
          queueWaitP95Ms: 0,
          inFlight: r.inFlight,
          maxInFlight: r.maxInFlight,
          queued: 0,
          limit: this.limit(),
          sloMs: this.sloMs,
        });
      }
      r.calls = 0;
      r.maxInFlight = r.inFlight;
      r.withinSlo = 0;
      r.latencies = [];
      for (const key of Object.keys(r.counts) as CallOutcome[]) {
        r.counts[key] = 0;
      }
      r.start = end;
    }
    return windows;
  }
}
