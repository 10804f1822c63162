import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The Dapr JS SDK hands a subscription callback only the event's data and the request headers; the CloudEvent's
 * id, type and source (which the publishing sidecar sets, and which consumers check) travel in the body. This
 * middleware, placed after the SDK's body parser, keeps them for the callback of the same request.
 */
export interface CloudEventAttributes {
  readonly id: string;
  readonly type: string;
  readonly source: string;
}

const storage = new AsyncLocalStorage<CloudEventAttributes>();

export function cloudEventContext() {
  return (req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: () => void): void => {
    const body = req.body;
    if (body && typeof body === "object" && "specversion" in body) {
      const { id, type, source } = body as Record<string, unknown>;
      storage.run({ id: String(id ?? ""), type: String(type ?? ""), source: String(source ?? "") }, next);
      return;
    }
    next();
  };
}

/** The CloudEvent attributes of the delivery being handled (empty when the body was not a CloudEvent). */
export function currentCloudEvent(): CloudEventAttributes {
  return storage.getStore() ?? { id: "", type: "", source: "" };
}
