import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The Dapr JS SDK hands a subscription callback only the event's data and the request's headers object; the
 * CloudEvent's id, type and source (which the publishing sidecar sets, and which consumers check) travel in the
 * body. This middleware, placed after the SDK's body parser, files them under that headers object, so the
 * callback of the same request finds them (`cloudEventOf(headers)`).
 */
export interface CloudEventAttributes {
  readonly id: string;
  readonly type: string;
  readonly source: string;
}

const attributes = new WeakMap<object, CloudEventAttributes>();

export function cloudEventContext() {
  return (req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: () => void): void => {
    const body = req.body;
    if (body && typeof body === "object" && "specversion" in body) {
      const { id, type, source } = body as Record<string, unknown>;
      attributes.set(req.headers, { id: String(id ?? ""), type: String(type ?? ""), source: String(source ?? "") });
    }
    next();
  };
}

/** The CloudEvent attributes of the delivery whose headers these are (empty when its body was not a CloudEvent). */
export function cloudEventOf(headers: unknown): CloudEventAttributes {
  return (headers && typeof headers === "object" ? attributes.get(headers) : undefined) ?? { id: "", type: "", source: "" };
}
