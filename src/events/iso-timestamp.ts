/**
 * ISO-8601 timestamps with an explicit UTC offset → epoch milliseconds, fast. The shape nearly every
 * log writes (`2026-11-03T09:10:12.000Z`, `2026-11-03T10:10:12+01:00`, 0–9 fraction digits) is read
 * by hand without allocating; other valid ISO forms (no seconds, comma fractions, `+0100` / `+01`
 * offsets, the basic format `20261103T091012Z`) are checked by a strict pattern and then handed to
 * `Date.parse` in its own format. A timestamp without an offset is ambiguous and is refused.
 */

/** 9999-12-31T23:59:59.999Z: the last instant a four-digit year can name. */
const MAX_TS = 253_402_300_799_999;

const EXTENDED =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const BASIC =
  /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?:\d{2})?)$/;
const WITHOUT_OFFSET = /^\d{4}-?\d{2}-?\d{2}[Tt ]\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?$/;

function digit(text: string, index: number): number {
  const value = text.charCodeAt(index) - 48;
  return value >= 0 && value <= 9 ? value : -100_000;
}

function twoDigits(text: string, index: number): number {
  return digit(text, index) * 10 + digit(text, index + 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function validMinute(year: number, month: number, day: number, hour: number, minute: number): boolean {
  return (
    year >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59
  );
}

function validFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  offsetHours: number,
  offsetMinutes: number,
): boolean {
  return (
    validMinute(year, month, day, hour, minute) &&
    second >= 0 &&
    second <= 59 &&
    offsetHours >= 0 &&
    offsetHours <= 23 &&
    offsetMinutes >= 0 &&
    offsetMinutes <= 59
  );
}

/** `YYYY-MM-DDTHH:MM`, the part of the common shape that names the minute. */
const MINUTE_CHARS = 16;
/**
 * The minute of the last timestamp read in the common shape (its characters) and its epoch
 * milliseconds as UTC: events come roughly in time order, so most share it and only seconds,
 * fraction and offset are left to read.
 */
const lastMinute = new Uint16Array(MINUTE_CHARS);
let lastMinuteMs = Number.NaN;

/** Whether `text` starts with the last minute read (compared from its end, where minutes differ). */
function isLastMinute(text: string): boolean {
  // A loop of character reads costs less than a call to `startsWith` on this hot path.
  for (let i = MINUTE_CHARS - 1; i >= 0; i--) if (text.charCodeAt(i) !== lastMinute[i]) return false;
  return !Number.isNaN(lastMinuteMs);
}

/**
 * Epoch milliseconds of an ISO-8601 timestamp with an offset, or `NaN` when it is not one (no offset,
 * out-of-range fields such as `2026-02-30`, leap seconds, other text). Fractions finer than a
 * millisecond are truncated.
 *
 * @example
 * parseIsoTimestamp('2026-11-03T10:10:12+01:00') // 1793697012000
 * parseIsoTimestamp('2026-11-03T09:10:12')       // NaN (ambiguous: no offset)
 */
export function parseIsoTimestamp(text: string): number {
  const length = text.length;
  if (length < 20 || length > 35) return parseOtherIsoForm(text);
  if (text.charCodeAt(16) !== 58) return parseOtherIsoForm(text);
  let minuteMs = lastMinuteMs;
  if (!isLastMinute(text)) {
    const separator = text.charCodeAt(10);
    if (
      text.charCodeAt(4) !== 45 ||
      text.charCodeAt(7) !== 45 ||
      (separator !== 84 && separator !== 116 && separator !== 32) ||
      text.charCodeAt(13) !== 58
    ) {
      return parseOtherIsoForm(text);
    }
    const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
    const month = twoDigits(text, 5);
    const day = twoDigits(text, 8);
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    // Any other form with these fields (e.g. a `+0100` offset) is refused by the same check.
    if (!validMinute(year, month, day, hour, minute)) return Number.NaN;
    minuteMs = daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000;
    for (let i = 0; i < MINUTE_CHARS; i++) lastMinute[i] = text.charCodeAt(i);
    lastMinuteMs = minuteMs;
  }
  const second = twoDigits(text, 17);
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const fractionStart = i;
    while (i < length) {
      const value = digit(text, i);
      if (value < 0) break;
      if (scale >= 1) millis += value * scale;
      scale /= 10;
      i++;
    }
    const fractionDigits = i - fractionStart;
    if (fractionDigits === 0 || fractionDigits > 9) return Number.NaN;
  }
  let offsetMinutes = 0;
  const designator = text.charCodeAt(i);
  if ((designator === 90 || designator === 122) && i + 1 === length) {
    offsetMinutes = 0;
  } else if ((designator === 43 || designator === 45) && i + 6 === length && text.charCodeAt(i + 3) === 58) {
    const hours = twoDigits(text, i + 1);
    const minutes = twoDigits(text, i + 4);
    if (!(hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59)) return Number.NaN;
    offsetMinutes = (designator === 43 ? 1 : -1) * (hours * 60 + minutes);
  } else {
    return parseOtherIsoForm(text);
  }
  if (!(second >= 0 && second <= 59)) return Number.NaN;
  const ts = minuteMs + second * 1000 + millis - offsetMinutes * 60_000;
  return ts <= MAX_TS ? ts : Number.NaN;
}

function parseOtherIsoForm(text: string): number {
  if (text.length > 40) return Number.NaN;
  const match = EXTENDED.exec(text) ?? BASIC.exec(text);
  if (match === null) return Number.NaN;
  const [, year, month, day, hour, minute, second = '00', fraction = '0', offset = 'Z'] = match;
  let offsetText = '+00:00';
  let offsetHours = 0;
  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const digits = offset.slice(1).replace(':', '');
    offsetHours = Number(digits.slice(0, 2));
    offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    offsetText = `${offset[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2, 4) : '00'}`;
  }
  if (
    !validFields(
      Number(year),
      Number(month),
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
      offsetHours,
      offsetMinutes,
    )
  ) {
    return Number.NaN;
  }
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const ts = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offsetText}`);
  return ts <= MAX_TS ? ts : Number.NaN;
}

/** Whether `text` is a local date-time without any offset (to explain why it was refused). */
export function isIsoWithoutOffset(text: string): boolean {
  return text.length <= 40 && WITHOUT_OFFSET.test(text);
}
