// Hormones = configuration-store values applied live (Dapr configuration API). Keys are `shipping.<name>`,
// `shipping.admission.<name>` and `shipping.pathogens.<name>`, as every cell's (HormoneKeys in BioDapr.Contracts).
// Every update is validated: a bad value is rejected with a message naming the key, and the last good value stays.

export const carriers = ["express", "standard", "economy"] as const;
export type Carrier = (typeof carriers)[number];

export interface ShippingHormones {
  /** Hour (UTC, 0-23) at which the carriers pick parcels up. */
  readonly pickupHourUtc: number;
  /** Minutes of packing before a parcel can be picked up (0-1440). */
  readonly handlingMinutes: number;
  /** `auto` (the rule in dispatch/carrierRule.ts) or one carrier for every shipment. */
  readonly carrier: Carrier | "auto";
  /** Stop dispatching (events wait, redelivered, until it is true again). */
  readonly dispatching: boolean;
  readonly admission: {
    readonly maxConcurrency: number;
    readonly queueLimit: number;
    readonly shedStatusCode: 429 | 503;
    readonly retryAfterSeconds: number;
  };
  readonly pathogens: {
    readonly outage: boolean;
    readonly errorRate: number;
    readonly latencyMs: number;
    readonly latencyCv: number;
    readonly latencyFraction: number;
    readonly workMs: number;
    readonly workCv: number;
    readonly slotReduction: number;
  };
}

export const defaultHormones: ShippingHormones = {
  pickupHourUtc: 16,
  handlingMinutes: 30,
  carrier: "auto",
  dispatching: true,
  admission: { maxConcurrency: 16, queueLimit: 0, shedStatusCode: 503, retryAfterSeconds: 1 },
  pathogens: { outage: false, errorRate: 0, latencyMs: 0, latencyCv: 0, latencyFraction: 1, workMs: 0, workCv: 0, slotReduction: 0 },
};

type Parser = (text: string) => unknown;

const integer = (min: number, max: number): Parser => (text) => {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`must be an integer from ${min} to ${max}`);
  }
  return value;
};
const number = (min: number, max: number): Parser => (text) => {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`must be a number from ${min} to ${max}`);
  }
  return value;
};
const boolean: Parser = (text) => {
  const t = text.trim().toLowerCase();
  if (t !== "true" && t !== "false") {
    throw new Error("must be true or false");
  }
  return t === "true";
};
const oneOf = (...allowed: (string | number)[]): Parser => (text) => {
  const t = text.trim();
  const found = allowed.find((a) => String(a) === t);
  if (found === undefined) {
    throw new Error(`must be one of ${allowed.join(", ")}`);
  }
  return found;
};

/** Every hormone: key suffix (after `<cell>.`) → parser. */
const parsers: Record<string, Parser> = {
  pickupHourUtc: integer(0, 23),
  handlingMinutes: integer(0, 1440),
  carrier: oneOf("auto", ...carriers),
  dispatching: boolean,
  "admission.maxConcurrency": integer(1, 100_000),
  "admission.queueLimit": integer(0, 1_000_000),
  "admission.shedStatusCode": oneOf(429, 503),
  "admission.retryAfterSeconds": integer(0, 3600),
  "pathogens.outage": boolean,
  "pathogens.errorRate": number(0, 1),
  "pathogens.latencyMs": number(0, 60_000),
  "pathogens.latencyCv": number(0, 10),
  "pathogens.latencyFraction": number(0, 1),
  "pathogens.workMs": number(0, 60_000),
  "pathogens.workCv": number(0, 10),
  "pathogens.slotReduction": integer(0, 100_000),
};

export function hormoneKeys(cell: string): string[] {
  return Object.keys(parsers).map((suffix) => `${cell}.${suffix}`);
}

export interface HormoneUpdate {
  readonly applied: string[];
  readonly rejected: { key: string; value: string; reason: string }[];
}

/**
 * Applies configuration items (key → value) to the current hormones; returns the new hormones and what was applied
 * or rejected. Unknown keys under the cell's prefix are rejected (a typo must not pass silently); other keys are ignored.
 */
export function applyHormones(cell: string, current: ShippingHormones, items: Record<string, string>): { hormones: ShippingHormones; update: HormoneUpdate } {
  const next = structuredClone(current) as { -readonly [K in keyof ShippingHormones]: ShippingHormones[K] } & Record<string, unknown>;
  const applied: string[] = [];
  const rejected: { key: string; value: string; reason: string }[] = [];
  const prefix = `${cell}.`;
  for (const [key, value] of Object.entries(items)) {
    if (!key.startsWith(prefix)) {
      continue;
    }
    const suffix = key.slice(prefix.length);
    const parse = Object.hasOwn(parsers, suffix) ? parsers[suffix] : undefined;
    if (parse === undefined) {
      rejected.push({ key, value, reason: "is not a hormone of this cell" });
      continue;
    }
    try {
      // A deleted key arrives without a value: the hormone returns to its default (as in a C# cell).
      const parsed = value === "" ? pick(defaultHormones, suffix) : parse(value);
      const [group, leaf] = suffix.includes(".") ? suffix.split(".", 2) : [undefined, suffix];
      if (group === undefined) {
        (next as Record<string, unknown>)[leaf!] = parsed;
      } else {
        (next[group] as Record<string, unknown>)[leaf!] = parsed;
      }
      applied.push(key);
    } catch (e) {
      rejected.push({ key, value, reason: (e as Error).message });
    }
  }
  return { hormones: next as ShippingHormones, update: { applied, rejected } };
}

function pick(hormones: ShippingHormones, suffix: string): unknown {
  let node: unknown = hormones;
  for (const part of suffix.split(".")) {
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
