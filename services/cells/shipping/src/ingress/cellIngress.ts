import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../hosting/log.js";
import type { ShippingHormones } from "../hormones/shippingHormones.js";
import type { CallOutcome, CellVitals } from "../vitals/cellVitals.js";
import { AdmissionGate } from "./admissionGate.js";
import { lognormal, type RandomSource } from "./random.js";

type Request = IncomingMessage & { path?: string; originalUrl?: string };
type Next = (error?: unknown) => void;

/**
 * Everything a request to this cell passes before its handler, as BioDapr.Cell does for a C# cell:
 * 1. the sidecar token (immune layer): every callback but the health probe needs `dapr-api-token` = APP_API_TOKEN
 *    when one is set (401 otherwise);
 * 2. admission: at most `admission.maxConcurrency - pathogens.slotReduction` requests at once, then a FIFO queue
 *    of `admission.queueLimit`, beyond that shed at once with `admission.shedStatusCode` and Retry-After;
 * 3. pathogens (fault injection): outage and errorRate answer 503, latency delays;
 * 4. vital signs: every request's outcome and latency, per endpoint.
 */
export function cellIngress(options: {
  appApiToken: string | undefined;
  healthPath: string;
  hormones: () => ShippingHormones;
  vitals: CellVitals;
  random: RandomSource;
  logger: Logger;
  gate?: AdmissionGate;
}) {
  const expected = options.appApiToken ? Buffer.from(options.appApiToken, "utf8") : undefined;
  const gate = options.gate ?? new AdmissionGate();
  return async (req: Request, res: ServerResponse, next: Next): Promise<void> => {
    const path = (req.originalUrl ?? req.url ?? "/").split("?")[0]!;
    if (path === options.healthPath) {
      next();
      return;
    }
    if (expected !== undefined) {
      const sent = Buffer.from(String(req.headers["dapr-api-token"] ?? ""), "utf8");
      if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
        options.logger.log("warn", "Rejected a sidecar callback", { reason: sent.length > 0 ? "wrong sidecar token" : "no sidecar token" });
        problem(res, 401, "Missing or invalid sidecar token", "This endpoint is called by the Dapr sidecar and requires the dapr-api-token header (APP_API_TOKEN).");
        return;
      }
    }
    // The subscription list and other /dapr callbacks are the SDK's plumbing, not work: no admission, no pathogens.
    if (path.startsWith("/dapr/")) {
      next();
      return;
    }

    const name = `${req.method} ${path}`;
    const started = performance.now();
    options.vitals.started(name);
    let outcome: CallOutcome = "success";
    const finish = (): void => options.vitals.ended(name, outcome, performance.now() - started);
    const hormones = options.hormones();
    const infection = hormones.pathogens;
    const limit = Math.max(1, hormones.admission.maxConcurrency - infection.slotReduction);
    if (!(await gate.enter(limit, hormones.admission.queueLimit))) {
      outcome = "shed";
      res.setHeader("Retry-After", String(hormones.admission.retryAfterSeconds));
      problem(res, hormones.admission.shedStatusCode, "Overloaded", "shipping is at its concurrency limit; retry later.");
      finish();
      return;
    }
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        gate.exit();
      }
    };
    if (infection.outage || (infection.errorRate > 0 && options.random() < infection.errorRate)) {
      release();
      outcome = "serverError";
      problem(res, 503, "Pathogen", "shipping is infected on purpose (shipping.pathogens.*).");
      finish();
      return;
    }
    res.on("finish", () => {
      release();
      outcome = res.statusCode >= 500 ? "serverError" : res.statusCode >= 400 ? "clientError" : "success";
      finish();
    });
    res.on("close", () => {
      if (!res.writableFinished) {
        release();
        outcome = "canceled";
        finish();
      }
    });
    const delay = infection.latencyMs > 0 && options.random() < infection.latencyFraction ? lognormal(options.random, infection.latencyMs, infection.latencyCv) : 0;
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    next();
  };
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/problem+json");
  res.end(JSON.stringify({ type: `https://httpstatuses.io/${status}`, title, status, detail }));
}
