/**
 * `2^(hours / halfLifeHours)` for whole hours: the growth of a weight counted `hours` after the
 * profile's reference hour, or (with negative hours) the decay over `hours`. The hours that occur all
 * the time (within a few half-lives) are read from a table built with the very same expression, so
 * the values are identical and counting or scoring an hour does not pay for `Math.pow` (~50 ns).
 *
 * @example halfLifePower(-672, 672) // 0.5
 */
export function halfLifePower(hours: number, halfLifeHours: number): number {
  const powers = powersFor(halfLifeHours);
  const index = hours + powers.zero;
  if (Number.isInteger(index) && index >= 0 && index < powers.values.length) return powers.values[index]!;
  return 2 ** (hours / halfLifeHours);
}

interface Powers {
  halfLifeHours: number;
  /** Index of hours = 0. */
  zero: number;
  values: Float64Array;
}

/** Half-lives back (decay) and forward (growth, at most a quarter half-life in practice) tabulated. */
const HALF_LIVES_BACK = 2;
const HALF_LIVES_FORWARD = 1;

/**
 * The table of the half-life last asked for: one process runs one configuration, so a single entry
 * is enough (a memo of a pure function, not state: any half-life still gets exact values).
 */
let latest: Powers | undefined;

function powersFor(halfLifeHours: number): Powers {
  if (latest !== undefined && latest.halfLifeHours === halfLifeHours) return latest;
  const back = Math.ceil(HALF_LIVES_BACK * halfLifeHours);
  const forward = Math.ceil(HALF_LIVES_FORWARD * halfLifeHours);
  const values = new Float64Array(back + forward + 1);
  for (let index = 0; index < values.length; index += 1)
    values[index] = 2 ** ((index - back) / halfLifeHours);
  latest = { halfLifeHours, zero: back, values };
  return latest;
}
