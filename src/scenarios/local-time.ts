const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Local wall-clock facts about one instant in one time zone. */
export interface LocalClock {
  /** Hour of the day with fraction, 0 ≤ hour < 24. */
  hour: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Days since 1970-01-01 in local time: equal for two instants of the same local date. */
  day: number;
  /** Offset from UTC in minutes (positive east of Greenwich). */
  offsetMinutes: number;
}

/**
 * Converts event times to local time in real IANA zones, daylight saving included. Offsets are
 * computed once per UTC hour and zone (every zone the scenarios use changes offset on whole UTC
 * hours), so a scenario asks Intl a few thousand times rather than once per event.
 */
export class LocalTime {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();
  private readonly offsets = new Map<string, Map<number, number>>();

  /** Offset of `timezone` from UTC at `utcMs`, in minutes. */
  offsetMinutes(timezone: string, utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    let zone = this.offsets.get(timezone);
    if (!zone) {
      zone = new Map();
      this.offsets.set(timezone, zone);
    }
    let offset = zone.get(hour);
    if (offset === undefined) {
      this.fillDay(timezone, zone, Math.floor(hour / 24) * 24);
      offset = zone.get(hour) as number;
    }
    return offset;
  }

  /** Local hour, weekday and date of `utcMs` in `timezone`. */
  clock(timezone: string, utcMs: number): LocalClock {
    const offsetMinutes = this.offsetMinutes(timezone, utcMs);
    const local = utcMs + offsetMinutes * 60_000;
    const day = Math.floor(local / DAY_MS);
    return { hour: (local - day * DAY_MS) / HOUR_MS, weekday: (day + 4) % 7, day, offsetMinutes };
  }

  /**
   * The UTC instant of local `hour` (fractional) on local date `day` in `timezone`. Around a
   * daylight-saving change the nearer valid instant is returned.
   */
  toUtc(timezone: string, day: number, hour: number): number {
    const naive = day * DAY_MS + hour * HOUR_MS;
    const first = naive - this.offsetMinutes(timezone, naive) * 60_000;
    return naive - this.offsetMinutes(timezone, first) * 60_000;
  }

  /** Offsets of the 24 UTC hours from `firstHour`: one Intl call unless the offset changes that day. */
  private fillDay(timezone: string, zone: Map<number, number>, firstHour: number): void {
    const atStart = this.computeOffset(timezone, firstHour * HOUR_MS);
    const atEnd = this.computeOffset(timezone, (firstHour + 23) * HOUR_MS);
    for (let hour = firstHour; hour < firstHour + 24; hour++) {
      zone.set(hour, atStart === atEnd ? atStart : this.computeOffset(timezone, hour * HOUR_MS));
    }
  }

  private computeOffset(timezone: string, utcMs: number): number {
    let formatter = this.formatters.get(timezone);
    if (!formatter) {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
      this.formatters.set(timezone, formatter);
    }
    const parts: Record<string, number> = {};
    for (const part of formatter.formatToParts(new Date(utcMs))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
    );
    return Math.round((asUtc - utcMs) / 60_000);
  }
}
