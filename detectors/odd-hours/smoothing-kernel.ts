import { DAY_HOURS, dayOfCell, HOURS_PER_WEEK, hourOfCell } from './hour-of-week.js';

/** Neighbour weights of the smoothing, as configured. */
export interface NeighbourWeights {
  hourNeighbourWeights: readonly number[];
  adjacentDayWeight: number;
  dayGroupWeight: number;
}

/**
 * The smoothing of an hour-of-week profile, compiled once: for every cell the cells that lend it
 * activity and with what weight (itself 1; the hours around it, across midnight; the same hour on
 * the previous and next day; the same hour on the other days of its Mon–Fri / Sat–Sun group).
 * The kernel is symmetric, so `rowSums[j]` is also how much smoothed mass one unit in cell j makes.
 */
export interface SmoothingKernel {
  /** `neighbours[offsets[c] … offsets[c + 1])`: the cells smoothed into cell c (c itself first). */
  offsets: Int32Array;
  neighbours: Int16Array;
  weights: Float64Array;
  rowSums: Float64Array;
  /**
   * `rowSums` of each day (0 = Sunday): every cell of a day lends the same total, as the hours
   * around it wrap across midnight and the other days depend on its day only.
   */
  dayRowSums: Float64Array;
  /**
   * The same weights as a 168 × 168 table (`matrix[c * 168 + j]`, 0 where j lends nothing to c):
   * a sparse profile walks its few active cells instead of the kernel's neighbour lists.
   */
  matrix: Float64Array;
}

/** Builds the smoothing tables from the configured neighbour weights. */
export function compileKernel(config: NeighbourWeights): SmoothingKernel {
  const perCell: Array<Array<[number, number]>> = [];
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
    const list: Array<[number, number]> = [[cell, 1]];
    const around = (shift: number) => (cell + shift + HOURS_PER_WEEK) % HOURS_PER_WEEK;
    config.hourNeighbourWeights.forEach((weight, index) => {
      if (weight > 0) list.push([around(-index - 1), weight], [around(index + 1), weight]);
    });
    const day = dayOfCell(cell);
    for (let otherDay = 0; otherDay < 7; otherDay += 1) {
      if (otherDay === day) continue;
      const weight = adjacentDays(day, otherDay)
        ? config.adjacentDayWeight
        : isWeekend(day) === isWeekend(otherDay)
          ? config.dayGroupWeight
          : 0;
      if (weight > 0) list.push([otherDay * DAY_HOURS + hourOfCell(cell), weight]);
    }
    perCell.push(list);
  }
  const size = perCell.reduce((sum, list) => sum + list.length, 0);
  const kernel: SmoothingKernel = {
    offsets: new Int32Array(HOURS_PER_WEEK + 1),
    neighbours: new Int16Array(size),
    weights: new Float64Array(size),
    rowSums: new Float64Array(HOURS_PER_WEEK),
    dayRowSums: new Float64Array(7),
    matrix: new Float64Array(HOURS_PER_WEEK * HOURS_PER_WEEK),
  };
  let position = 0;
  perCell.forEach((list, cell) => {
    kernel.offsets[cell] = position;
    for (const [neighbour, weight] of list) {
      kernel.neighbours[position] = neighbour;
      kernel.weights[position] = weight;
      kernel.rowSums[cell] = (kernel.rowSums[cell] ?? 0) + weight;
      kernel.matrix[cell * HOURS_PER_WEEK + neighbour] = weight;
      position += 1;
    }
  });
  kernel.offsets[HOURS_PER_WEEK] = position;
  for (let day = 0; day < 7; day += 1) kernel.dayRowSums[day] = kernel.rowSums[day * DAY_HOURS]!;
  return kernel;
}

function adjacentDays(day: number, otherDay: number): boolean {
  const distance = Math.abs(day - otherDay);
  return distance === 1 || distance === 6;
}

function isWeekend(day: number): boolean {
  return day === 0 || day === 6;
}
