import type { Carrier, ShippingHormones } from "../hormones/shippingHormones.js";

export interface DispatchDecision {
  readonly carrier: Carrier;
  /** When the carrier picks the parcel up (ISO 8601, UTC). */
  readonly dispatchAt: string;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/**
 * The dispatch rule (documented in services/cells/shipping/README.md):
 * - A parcel is ready `handlingMinutes` after the order was confirmed; it leaves with the first daily pickup
 *   (at `pickupHourUtc`:00 UTC) at or after that moment.
 * - Carrier: with `carrier` = auto, a parcel that leaves on the day the order was confirmed (UTC) goes express,
 *   one that leaves the next day goes standard, later economy (only with handling over a day); any other
 *   `carrier` value is used for every parcel.
 * Pure: the same order and hormones give the same decision, whenever and however often it runs.
 */
export function decideDispatch(confirmedAt: Date, hormones: Pick<ShippingHormones, "pickupHourUtc" | "handlingMinutes" | "carrier">): DispatchDecision {
  const ready = confirmedAt.getTime() + hormones.handlingMinutes * 60_000;
  const readyDay = Math.floor(ready / dayMs) * dayMs;
  let pickup = readyDay + hormones.pickupHourUtc * hourMs;
  if (pickup < ready) {
    pickup += dayMs;
  }
  const daysAfterConfirmation = Math.round((pickup - hormones.pickupHourUtc * hourMs - Math.floor(confirmedAt.getTime() / dayMs) * dayMs) / dayMs);
  const carrier: Carrier = hormones.carrier !== "auto" ? hormones.carrier : daysAfterConfirmation === 0 ? "express" : daysAfterConfirmation === 1 ? "standard" : "economy";
  return { carrier, dispatchAt: new Date(pickup).toISOString() };
}
