/** A seeded random source in [0, 1) (mulberry32): the same seed gives the same pathogen pattern. */
export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A lognormal sample with the given mean and coefficient of variation (cv 0: the mean itself). */
export function lognormal(random: RandomSource, mean: number, cv: number): number {
  if (cv <= 0) {
    return mean;
  }
  const sigma2 = Math.log(1 + cv * cv);
  const mu = Math.log(mean) - sigma2 / 2;
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.exp(mu + Math.sqrt(sigma2) * normal);
}
