import { StateConcurrencyEnum } from "@dapr/dapr";
import { contractErrors, OrderConfirmedType, ShipmentDispatchedType, type OrderConfirmed, type ShipmentDispatched } from "../events/contracts.js";
import type { Logger } from "../hosting/log.js";
import type { ShippingHormones } from "../hormones/shippingHormones.js";
import { decideDispatch } from "./carrierRule.js";

/** The parts of the Dapr JS SDK's client this cell uses (DaprClient.state and DaprClient.pubsub). */
export interface SidecarApi {
  state: {
    get(store: string, key: string): Promise<unknown>;
    save(store: string, items: { key: string; value: unknown; options?: { concurrency?: StateConcurrencyEnum } }[]): Promise<unknown>;
  };
  pubsub: {
    publish(pubsub: string, topic: string, data: object, options?: { metadata?: Record<string, string> }): Promise<unknown>;
  };
}

export type Outcome = "SUCCESS" | "RETRY" | "DROP";

export interface Delivery {
  /** The CloudEvent's id, type and source (the publishing app id, set by its sidecar). */
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly data: unknown;
}

export const OrdersPublisher = "orders";

/** The shipment of one order, stored once (first write wins) before it is announced. */
export interface ShipmentRecord extends ShipmentDispatched {
  readonly eventId: string;
}

/**
 * OrderConfirmed → one shipment → ShipmentDispatched, exactly once in effect over at-least-once delivery:
 * the decision is stored with first-write concurrency under the order id (a redelivery, or two deliveries at
 * once, find the first decision and never decide again); the event is published with a stable CloudEvent id
 * (`<orderId>/shipped`), and a marker records that it was published, so a redelivery after that publishes
 * nothing. A crash between publishing and the marker publishes the same event again: its consumers
 * deduplicate by order id and CloudEvent id.
 */
export class ShipmentDispatcher {
  constructor(
    private readonly sidecar: SidecarApi,
    private readonly hormones: () => ShippingHormones,
    private readonly now: () => Date,
    private readonly logger: Logger,
    private readonly stores: { pubsub: string; stateStore: string },
  ) {}

  async onOrderConfirmed(delivery: Delivery): Promise<Outcome> {
    if (delivery.type !== OrderConfirmedType) {
      // Other order events share the topic (the subscription's rule routes only OrderConfirmed to the handler).
      this.logger.log("debug", "Ignored an event that is not an OrderConfirmed", { eventId: delivery.id, type: delivery.type });
      return "SUCCESS";
    }
    if (delivery.source !== OrdersPublisher) {
      this.logger.log("warn", "Dropped an OrderConfirmed not published by orders", { eventId: delivery.id, source: delivery.source });
      return "DROP";
    }
    const problems = contractErrors(OrderConfirmedType, delivery.data);
    if (problems !== null) {
      this.logger.log("warn", "Dropped an OrderConfirmed that breaks its contract", { eventId: delivery.id, problems });
      return "DROP";
    }
    if (!this.hormones().dispatching) {
      return "RETRY";
    }
    const order = delivery.data as OrderConfirmed;
    const shipment = await this.recordOnce(order, delivery.id);
    if (await this.sidecar.state.get(this.stores.stateStore, publishedKey(order.orderId))) {
      this.logger.log("info", "Shipment already dispatched; redelivery ignored", { orderId: order.orderId, eventId: delivery.id });
      return "SUCCESS";
    }
    const { eventId: _eventId, ...event } = shipment;
    const eventProblems = contractErrors(ShipmentDispatchedType, event);
    if (eventProblems !== null) {
      // Our own bug: never publish an event that breaks its contract; the message goes to the dead end of DROP.
      this.logger.log("error", "Refused to publish a ShipmentDispatched that breaks its contract", { orderId: order.orderId, problems: eventProblems });
      return "DROP";
    }
    const published = await this.sidecar.pubsub.publish(this.stores.pubsub, "shipments", event, {
      metadata: { "cloudevent.id": `${order.orderId}/shipped`, "cloudevent.type": ShipmentDispatchedType },
    });
    // The SDK's HTTP client answers a failed publish with { error } instead of throwing: never mark it published.
    const failure = publishError(published);
    if (failure !== undefined) {
      throw failure;
    }
    await this.sidecar.state.save(this.stores.stateStore, [{ key: publishedKey(order.orderId), value: { publishedAt: this.now().toISOString() } }]);
    this.logger.log("info", "Shipment dispatched", { orderId: order.orderId, carrier: shipment.carrier, dispatchAt: shipment.dispatchAt });
    return "SUCCESS";
  }

  /** The order's shipment: the stored one, or a new decision stored with first-write concurrency. */
  async recordOnce(order: OrderConfirmed, eventId: string): Promise<ShipmentRecord> {
    const stored = await this.read(order.orderId);
    if (stored !== undefined) {
      return stored;
    }
    const decision = decideDispatch(new Date(order.confirmedAt), this.hormones());
    const record: ShipmentRecord = {
      orderId: order.orderId,
      customerId: order.customerId,
      shipmentId: `shp-${order.orderId}`,
      carrier: decision.carrier,
      dispatchAt: decision.dispatchAt,
      dispatchedAt: this.now().toISOString(),
      eventId,
    };
    try {
      await this.sidecar.state.save(this.stores.stateStore, [{ key: shipmentKey(order.orderId), value: record, options: { concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE } }]);
      return record;
    } catch (e) {
      // Another delivery of the same order stored its decision first: use that one.
      const winner = await this.read(order.orderId);
      if (winner !== undefined) {
        return winner;
      }
      throw e;
    }
  }

  private async read(orderId: string): Promise<ShipmentRecord | undefined> {
    const value = await this.sidecar.state.get(this.stores.stateStore, shipmentKey(orderId));
    return value && typeof value === "object" ? (value as ShipmentRecord) : undefined;
  }
}

/** The error of a publish the sidecar refused, from the JS SDK's answer (its HTTP client returns { error }). */
function publishError(answer: unknown): Error | undefined {
  if (answer && typeof answer === "object" && "error" in answer && answer.error) {
    const error = answer.error;
    return error instanceof Error ? error : new Error(`the sidecar refused the publish: ${String(error)}`);
  }
  return undefined;
}

export const shipmentKey = (orderId: string): string => `shipment-${orderId}`;
export const publishedKey = (orderId: string): string => `shipment-published-${orderId}`;
