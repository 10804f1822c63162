import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// The organism's event contracts, validated with ajv against copies of the committed JSON Schemas
// (services/libraries/BioDapr.Contracts/Schemas; a .NET test keeps the copies in contracts/ identical).

export const OrderConfirmedType = "biodapr.orders.confirmed.v1";
export const ShipmentDispatchedType = "biodapr.shipments.dispatched.v1";
export const VitalsReportedType = "biodapr.vitals.v1";

export interface OrderConfirmed {
  orderId: string;
  customerId: string;
  paymentId: string;
  confirmedAt: string;
}

export interface ShipmentDispatched {
  orderId: string;
  customerId: string;
  shipmentId: string;
  carrier: string;
  dispatchAt: string;
  dispatchedAt: string;
}

const contractsDirectory = (() => {
  // dist/src/events → ../../../contracts; src/events (tsx) → ../../contracts
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "..", "..", "contracts"), join(here, "..", "..", "..", "contracts")]) {
    try {
      readFileSync(join(candidate, `${OrderConfirmedType}.schema.json`));
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error(`the contracts directory (JSON Schemas) was not found near ${here}`);
})();

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));

function compile<T>(type: string): ValidateFunction<T> {
  return ajv.compile<T>(JSON.parse(readFileSync(join(contractsDirectory, `${type}.schema.json`), "utf8")));
}

const validators = {
  [OrderConfirmedType]: compile<OrderConfirmed>(OrderConfirmedType),
  [ShipmentDispatchedType]: compile<ShipmentDispatched>(ShipmentDispatchedType),
  [VitalsReportedType]: compile<unknown>(VitalsReportedType),
};

export type ContractType = keyof typeof validators;

/** Null when `data` satisfies the contract; otherwise what is wrong, naming the fields. */
export function contractErrors(type: ContractType, data: unknown): string | null {
  const validate = validators[type];
  if (validate(data)) {
    return null;
  }
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`).join("; ");
}

export function isOrderConfirmed(data: unknown): data is OrderConfirmed {
  return validators[OrderConfirmedType](data);
}
