const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Distinct time zones remembered before the zone table is cleared. */
const MAX_ZONES = 1024;

/** Local clock readings of an instant in an IANA time zone; invalid zones read as UTC. */
export interface LocalTimeResolver {
  /** Hour of the local week: 0 = Sunday 00:00–00:59 … 167 = Saturday 23:00–23:59. */
  hourOfWeek(ts: number, timeZone: string): number;
  /** Local hour of the day, 0–23. */
  localHour(ts: number, timeZone: string): number;
  /** Local day of the week, 0 = Sunday … 6 = Saturday. */
  localDay(ts: number, timeZone: string): number;
  /** Offset of local time from UTC in minutes (Berlin in summer: 120). */
  utcOffsetMinutes(ts: number, timeZone: string): number;
}

interface Zone {
  /** `null` for UTC and for names Intl does not know. */
  formatter: Intl.DateTimeFormat | null;
  /** UTC hour bucket → offset in minutes, or NaN when the offset changes inside that hour. */
  offsets: Map<number, number>;
  lastBucket: number;
  lastOffset: number;
}

const validity = new Map<string, boolean>();

/**
 * Whether Intl knows `timeZone` as an IANA zone name (`Europe/Berlin`, `UTC`); memoized.
 *
 * @example isValidTimeZone('America/New_York') // true; isValidTimeZone('Mars/Olympus') // false
 */
export function isValidTimeZone(timeZone: string): boolean {
  const known = validity.get(timeZone);
  if (known !== undefined) return known;
  let valid = false;
  if (typeof timeZone === 'string' && timeZone.length > 0 && timeZone.length <= 64) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      valid = true;
    } catch {
      valid = false;
    }
  }
  if (validity.size >= MAX_ZONES) validity.clear();
  validity.set(timeZone, valid);
  return valid;
}

function createFormatter(timeZone: string): Intl.DateTimeFormat | null {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC' || !isValidTimeZone(timeZone)) return null;
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** The zone's offset at one instant, read from Intl (the slow path). */
function offsetAt(formatter: Intl.DateTimeFormat, ts: number): number {
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter.formatToParts(ts)) {
    const value = Number(part.value);
    if (part.type === 'year') year = value;
    else if (part.type === 'month') month = value;
    else if (part.type === 'day') day = value;
    else if (part.type === 'hour') hour = value;
    else if (part.type === 'minute') minute = value;
    else if (part.type === 'second') second = value;
  }
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return Math.round((localAsUtc - Math.floor(ts / 1000) * 1000) / 60_000);
}

/**
 * Creates a resolver of local clock readings. Intl is asked for a zone's UTC offset once per UTC
 * hour (at its first and last millisecond); the answer is cached per zone and hour, so daylight-saving
 * changes are exact and the common path is a comparison or one `Map` lookup. An hour in which the
 * offset changes (zones that switch at a half hour, such as Australia/Lord_Howe) is marked and
 * answered from Intl on every call. At most `cacheSize` hour entries are kept in all (default 50 000).
 * A zone Intl does not know reads as UTC: check configured zones with `isValidTimeZone` up front.
 *
 * @example
 * const local = createLocalTimeResolver();
 * local.hourOfWeek(Date.parse('2026-11-03T09:10:12Z'), 'Europe/Berlin') // 58 (Tuesday 10:00)
 */
export function createLocalTimeResolver(options: { cacheSize?: number } = {}): LocalTimeResolver {
  const cacheSize = Math.max(1, options.cacheSize ?? 50_000);
  const zones = new Map<string, Zone>();
  let cachedHours = 0;

  function zoneOf(timeZone: string): Zone {
    let zone = zones.get(timeZone);
    if (zone === undefined) {
      if (zones.size >= MAX_ZONES) {
        zones.clear();
        cachedHours = 0;
      }
      zone = {
        formatter: createFormatter(timeZone),
        offsets: new Map(),
        lastBucket: Number.NaN,
        lastOffset: 0,
      };
      zones.set(timeZone, zone);
    }
    return zone;
  }

  function utcOffsetMinutes(ts: number, timeZone: string): number {
    const zone = zoneOf(timeZone);
    const formatter = zone.formatter;
    if (formatter === null) return 0;
    const bucket = Math.floor(ts / HOUR_MS);
    if (bucket === zone.lastBucket) return zone.lastOffset;
    let offset = zone.offsets.get(bucket);
    if (offset === undefined) {
      const start = offsetAt(formatter, bucket * HOUR_MS);
      const end = offsetAt(formatter, bucket * HOUR_MS + HOUR_MS - 1);
      offset = start === end ? start : Number.NaN;
      if (cachedHours >= cacheSize) {
        for (const other of zones.values()) other.offsets.clear();
        cachedHours = 0;
      }
      zone.offsets.set(bucket, offset);
      cachedHours++;
    }
    if (Number.isNaN(offset)) return offsetAt(formatter, ts);
    zone.lastBucket = bucket;
    zone.lastOffset = offset;
    return offset;
  }

  function localMs(ts: number, timeZone: string): number {
    return ts + utcOffsetMinutes(ts, timeZone) * 60_000;
  }

  function dayOfWeek(local: number): number {
    // 1970-01-01 was a Thursday (4).
    return (((Math.floor(local / DAY_MS) + 4) % 7) + 7) % 7;
  }

  function hourOfDay(local: number): number {
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / HOUR_MS);
  }

  return {
    hourOfWeek(ts, timeZone) {
      const local = localMs(ts, timeZone);
      return dayOfWeek(local) * 24 + hourOfDay(local);
    },
    localHour(ts, timeZone) {
      return hourOfDay(localMs(ts, timeZone));
    },
    localDay(ts, timeZone) {
      return dayOfWeek(localMs(ts, timeZone));
    },
    utcOffsetMinutes,
  };
}
