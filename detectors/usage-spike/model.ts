/**
 * The univariate streaming model behind the `usage-spike` detector and `keywatch score-series`:
 * an EWMA level with an EWMA variance, learned from winsorised residuals so that one burst does not
 * poison the baseline, optional seasonal buckets, and a tail score in [0, 1].
 *
 * The scalar functions are shared: the detector keeps its per-key numbers in a compact
 * JSON-serialisable state and folds runs of empty minutes in closed form; {@link SeriesModel}
 * wraps the same arithmetic for one series read row by row.
 */

/** EWMA weight for a half-life in steps: an observation `halfLife` steps old counts half. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - 2 ** (-1 / halfLife);
}

/** Mean after one EWMA step that saw `residual` = observation − mean. */
export function nextMean(mean: number, residual: number, alpha: number): number {
  return mean + alpha * residual;
}

/**
 * Variance after one EWMA step that saw `residual` (the incremental form, which equals the EWMA of
 * squares minus the square of the EWMA without its cancellation).
 */
export function nextVariance(variance: number, residual: number, alpha: number): number {
  return (1 - alpha) * (variance + alpha * residual * residual);
}

/**
 * Mean after `k` steps that each observed 0, given `decay` = (1 − α)^k: closed form, so a gap of
 * any length costs the same as one step.
 */
export function meanAfterZeros(mean: number, decay: number): number {
  return mean * decay;
}

/**
 * Variance after `k` steps that each observed 0, given `decay` = (1 − α)^k. Derived from the
 * moments form: E[x²] and E[x] both decay by `decay`, so v' = decay·(v + m²) − decay²·m².
 */
export function varianceAfterZeros(variance: number, mean: number, decay: number): number {
  return decay * (variance + mean * mean * (1 - decay));
}

/**
 * Winsorises a residual: an upward residual is cut at `limit` (and a downward one at −`limit` when
 * `twoSided`), so an outlier is learned as if it were a `limit`-sized deviation.
 */
export function winsorise(residual: number, limit: number, twoSided: boolean): number {
  if (residual > limit) return limit;
  if (twoSided && residual < -limit) return -limit;
  return residual;
}

/**
 * Maps a z-score to [0, 1]: 0 up to `threshold`, then 1 − exp(−(z − threshold) / `scale`).
 *
 * @example tailScore(6, 4, 2) // 0.63
 */
export function tailScore(z: number, threshold: number, scale: number): number {
  if (!(z > threshold)) return 0;
  return 1 - Math.exp(-(z - threshold) / scale);
}

/** log2 of the ratio below which a rise scores 0 (≈ 1.74×): busier-than-usual days stay quiet. */
const RATIO_SCORE_FLOOR_LOG2 = 0.8;
const RATIO_SCORE_SCALE_LOG2 = 1.3;

/**
 * Scores how many times the expected value was observed, on a log scale: 0 below ≈ 1.7×, 0.14 at 2×,
 * 0.45 at 3×, 0.69 at 5×, 0.86 at 10×, 0.93 at 20×. One is added to both sides so that tiny
 * expectations (0.05 errors a minute) do not make ratios explode.
 */
export function ratioScore(observed: number, expected: number): number {
  const log2Ratio = Math.log2((observed + 1) / (Math.max(0, expected) + 1));
  if (!(log2Ratio > RATIO_SCORE_FLOOR_LOG2)) return 0;
  return 1 - Math.exp(-(log2Ratio - RATIO_SCORE_FLOOR_LOG2) / RATIO_SCORE_SCALE_LOG2);
}

/** Slope of the z tail score for rates: z 2 above the threshold scores 0.63, 4 above 0.86. */
export const RATE_Z_SCALE = 2;

/**
 * Score of an upward spike of a rate: it must be both improbable (z above `zThreshold`) and large
 * (many times the expected value), so the weaker of the two scores wins. A noisy key (large sd)
 * needs a bigger ratio; a settled key needs ≈ 5× for 0.7.
 *
 * @example spikeScore(60, 6, 3.5, 4) // 0.83: ten times a settled key's rate
 */
export function spikeScore(observed: number, expected: number, sd: number, zThreshold: number): number {
  const z = (observed - expected) / sd;
  return Math.min(tailScore(z, zThreshold, RATE_Z_SCALE), ratioScore(observed, expected));
}

/** Seasonal layout used by both consumers: 24 local hours × (weekday, weekend). */
export const DAY_TYPE_HOUR_BUCKETS = 48;

/**
 * Bucket of an hour-of-week cell (0 = Sunday 00:00 … 167 = Saturday 23:00): hours 0–23 on weekdays,
 * 24–47 on Saturdays and Sundays.
 */
export function dayTypeHourBucket(hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  const hour = hourOfWeek - day * 24;
  return day === 0 || day === 6 ? 24 + hour : hour;
}

/** The same local hour on the other day type, used while a bucket has not been seen yet. */
export function otherDayTypeBucket(bucket: number): number {
  return bucket < 24 ? bucket + 24 : bucket - 24;
}

/** Settings of a {@link SeriesModel}; all counts are in rows of the series. */
export interface SeriesModelOptions {
  /** Half-life of the level and the variance, in rows. */
  halfLife: number;
  /** Half-life of each seasonal bucket, in visits of that bucket. */
  seasonalHalfLife: number;
  /** Number of seasonal buckets; 0 for a plain level model. */
  buckets: number;
  /** Rows scored 0 while the model learns. */
  warmUp: number;
  /** z below which a row scores 0. */
  zThreshold: number;
  /** Slope of the score above the threshold (see {@link tailScore}). */
  zScale: number;
  /** Residuals beyond this many standard deviations are learned as if they were this large. */
  clipZ: number;
  /**
   * After this many consecutive rows beyond the clip on the same side, the series is taken to have
   * shifted and residuals are learned whole, so a new level is accepted instead of alarming forever.
   */
  shiftRows: number;
  /** Weight of each row while a shift is being learned (faster than the level's own). */
  shiftAlpha: number;
  /** Score drops as well as rises (`score-series`); when false only rises score. */
  twoSided: boolean;
}

/** Default settings of a {@link SeriesModel} for 5-minute data (`score-series` converts time to rows). */
export const DEFAULT_SERIES_MODEL_OPTIONS: Readonly<SeriesModelOptions> = Object.freeze({
  halfLife: 288,
  seasonalHalfLife: 3,
  buckets: 0,
  warmUp: 288,
  zThreshold: 3,
  zScale: 2,
  clipZ: 3,
  shiftRows: 2,
  shiftAlpha: 0.3,
  twoSided: true,
});

/** Fewer learned rows than this and residuals are not winsorised: the variance is not yet known. */
const MIN_ROWS_FOR_CLIPPING = 10;

/**
 * A level with its variance, learned from winsorised residuals; a run of `shiftRows` residuals beyond
 * the clip on one side is taken as a new regime and learned whole.
 */
class RobustLevel {
  level = 0;
  variance = 0;
  rows = 0;
  /** Consecutive rows beyond the clip, positive above and negative below the expected value. */
  private beyondClip = 0;

  constructor(
    private readonly options: SeriesModelOptions,
    private readonly alpha: number,
  ) {}

  /** Standard deviation of residuals, never exactly 0 so that a flat series still yields a z. */
  get sd(): number {
    return Math.sqrt(this.variance) + 1e-9 * (1 + Math.abs(this.level));
  }

  /** Learns one residual (observation − expected) and returns the part that was learned. */
  learn(residual: number): number {
    const { options } = this;
    if (this.rows === 0) {
      this.level += residual;
      this.rows = 1;
      return residual;
    }
    const limit = options.clipZ * this.sd;
    if (residual > limit) this.beyondClip = this.beyondClip > 0 ? this.beyondClip + 1 : 1;
    else if (residual < -limit) this.beyondClip = this.beyondClip < 0 ? this.beyondClip - 1 : -1;
    else this.beyondClip = 0;
    const shifted = options.shiftRows > 0 && Math.abs(this.beyondClip) >= options.shiftRows;
    const learned =
      this.rows < MIN_ROWS_FOR_CLIPPING || shifted ? residual : winsorise(residual, limit, options.twoSided);
    const alpha = Math.max(this.alpha, 1 / (this.rows + 1), shifted ? options.shiftAlpha : 0);
    this.level = nextMean(this.level, learned, alpha);
    this.variance = nextVariance(this.variance, learned, alpha);
    this.rows++;
    return learned * (1 - alpha);
  }
}

/**
 * A streaming anomaly model for one series. Two predictors learn side by side: a plain robust level,
 * and (with `buckets` > 0) a level plus a seasonal offset per bucket; each row is scored against the
 * one whose residual variance is smaller so far, so seasonality is used only where it predicts
 * better. z = residual / that predictor's standard deviation, score = {@link tailScore}. Early rows use
 * running averages (weight 1/n) until the EWMA weight takes over.
 *
 * @example
 * const model = new SeriesModel({ ...DEFAULT_SERIES_MODEL_OPTIONS, buckets: DAY_TYPE_HOUR_BUCKETS });
 * const score = model.observe(73.9, dayTypeHourBucket(hourOfWeek));
 */
export class SeriesModel {
  readonly options: SeriesModelOptions;
  private rows = 0;
  private readonly plain: RobustLevel;
  private readonly seasonal: RobustLevel;
  private readonly seasonalAlpha: number;
  private readonly offsets: number[];
  private readonly visits: number[];

  constructor(options: SeriesModelOptions) {
    this.options = options;
    const alpha = alphaForHalfLife(options.halfLife);
    this.plain = new RobustLevel(options, alpha);
    this.seasonal = new RobustLevel(options, alpha);
    this.seasonalAlpha = alphaForHalfLife(options.seasonalHalfLife);
    this.offsets = new Array<number>(options.buckets).fill(0);
    this.visits = new Array<number>(options.buckets).fill(0);
  }

  /**
   * Scores `value` against what the rows before it predict, then learns from it. `bucket` is the
   * row's seasonal bucket (ignored by a plain level model). Returns a score in [0, 1].
   */
  observe(value: number, bucket = 0): number {
    const { options, plain, seasonal } = this;
    const seasonalBucket = options.buckets > 0 && bucket >= 0 && bucket < options.buckets ? bucket : -1;
    const visits = seasonalBucket >= 0 ? (this.visits[seasonalBucket] ?? 0) : 0;
    const offset = visits > 0 ? (this.offsets[seasonalBucket] ?? 0) : 0;
    const plainResidual = value - plain.level;
    const seasonalResidual = value - seasonal.level - offset;
    const useSeasonal = visits > 0 && seasonal.variance < plain.variance;
    const residual = useSeasonal ? seasonalResidual : plainResidual;
    const sd = useSeasonal ? seasonal.sd : plain.sd;
    const z = options.twoSided ? Math.abs(residual) / sd : residual / sd;
    const score = this.rows < options.warmUp ? 0 : tailScore(z, options.zThreshold, options.zScale);

    plain.learn(plainResidual);
    if (seasonalBucket >= 0) {
      if (visits === 0) {
        // First visit of a bucket: its offset is what the level does not explain.
        this.offsets[seasonalBucket] = seasonal.rows === 0 ? 0 : seasonalResidual;
        if (seasonal.rows === 0) seasonal.learn(value);
      } else {
        const learned = seasonal.learn(seasonalResidual);
        const alpha = Math.max(this.seasonalAlpha, 1 / (visits + 1));
        this.offsets[seasonalBucket] = offset + alpha * learned;
      }
      this.visits[seasonalBucket] = visits + 1;
    }
    this.rows++;
    return score;
  }
}
