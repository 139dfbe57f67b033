import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../../src/scenarios/generate.js';
import { scenarioGeoLookup } from '../../src/scenarios/geo-source.js';
import type { CanonicalEvent, LabelledWindow, Scenario } from '../../src/scenarios/types.js';

const DAY_MS = 86_400_000;
const geo = scenarioGeoLookup();

const network24 = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.0/24`;

function digest(events: CanonicalEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(JSON.stringify(event));
  return hash.digest('hex');
}

/** Events of the window's key inside the window. */
function windowEvents(scenario: Scenario, window: LabelledWindow): CanonicalEvent[] {
  return scenario.events.filter((event) => {
    if (event.keyId !== window.keyId) return false;
    const time = Date.parse(event.ts);
    return time >= window.start && time <= window.end;
  });
}

/** Events in the window from addresses outside the key's everyday networks: the intruder's. */
function intruderEvents(scenario: Scenario, window: LabelledWindow): CanonicalEvent[] {
  const key = scenario.keys.find((candidate) => candidate.keyId === window.keyId);
  const known = new Set(key?.networks);
  return windowEvents(scenario, window).filter((event) => !known.has(network24(event.ip)));
}

/** One address actually used per key and /24, to look up (a /24 is not always all in one city). */
function usedAddresses(scenario: Scenario): Map<string, Map<string, string>> {
  const used = new Map<string, Map<string, string>>();
  for (const event of scenario.events) {
    let networks = used.get(event.keyId);
    if (!networks) {
      networks = new Map();
      used.set(event.keyId, networks);
    }
    if (!networks.has(network24(event.ip))) networks.set(network24(event.ip), event.ip);
  }
  return used;
}

/** Local hour and weekday of an instant in a zone, computed independently of the generator. */
function localClock(
  timezone: string,
  time: number,
): { hour: number; weekday: string; offsetMinutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    hour: 'numeric',
    weekday: 'short',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(time));
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const offset = /GMT([+-])(\d{2}):(\d{2})/.exec(part('timeZoneName'));
  const offsetMinutes = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
    : 0;
  return { hour: Number(part('hour')), weekday: part('weekday'), offsetMinutes };
}

describe('generateScenario', () => {
  let scenario: Scenario;

  beforeAll(() => {
    scenario = generateScenario({ seed: 1 });
  });

  it('produces the same events and labels for the same seed', () => {
    const options = { seed: 7, keys: 20, days: 21 };
    const first = generateScenario(options);
    const second = generateScenario(options);
    expect(digest(second.events)).toBe(digest(first.events));
    expect(second.incidents).toEqual(first.incidents);
    expect(second.benign).toEqual(first.benign);
    expect(second.keys).toEqual(first.keys);
  });

  it('refuses a scenario too short for its incidents with a usage error, not an internal one', () => {
    expect(() => generateScenario({ seed: 5, keys: 20, days: 10 })).toThrow(
      expect.objectContaining({ code: 'KW_ERR_USAGE', message: expect.stringMatching(/too short/) }),
    );
  });

  it('produces different but comparable scenarios for different seeds', () => {
    const first = generateScenario({ seed: 7, keys: 20, days: 21 });
    const second = generateScenario({ seed: 8, keys: 20, days: 21 });
    expect(digest(second.events)).not.toBe(digest(first.events));
    expect(second.keys.map((key) => key.keyId)).not.toEqual(first.keys.map((key) => key.keyId));
    expect(second.incidents.map((incident) => incident.kind)).toEqual(
      first.incidents.map((incident) => incident.kind),
    );
    const ratio = second.events.length / first.events.length;
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(2.5);
  });

  it('stays within the event budget that keeps a three-seed evaluation near a minute', () => {
    expect(scenario.events.length).toBeGreaterThan(250_000);
    expect(scenario.events.length).toBeLessThanOrEqual(650_000);
    expect(scenario.keys).toHaveLength(48);
    expect(new Set(scenario.keys.map((key) => key.orgId)).size).toBe(8);
  });

  it('writes events sorted by time with unique request ids and every canonical field', () => {
    let previous = '';
    let outOfOrder = 0;
    const requestIds = new Set<string>();
    for (const event of scenario.events) {
      if (event.ts < previous) outOfOrder++;
      previous = event.ts;
      requestIds.add(event.requestId);
    }
    expect(outOfOrder).toBe(0);
    expect(requestIds.size).toBe(scenario.events.length);
    const sample = scenario.events[12_345] as CanonicalEvent;
    expect(new Date(sample.ts).toISOString()).toBe(sample.ts);
    expect(Object.keys(sample).sort()).toEqual(
      [
        'bytesIn',
        'bytesOut',
        'ip',
        'keyId',
        'method',
        'orgId',
        'path',
        'requestId',
        'status',
        'ts',
        'userAgent',
      ].sort(),
    );
    expect(
      scenario.events.some((event) => /^\/v1\/messages\/Y2lzY29zcGFyazovL3VzL01FU1NBR0Uv/.test(event.path)),
    ).toBe(true);
  });

  it('labels one incident of every kind on distinct keys, after two weeks and inside the scenario', () => {
    expect(scenario.incidents).toHaveLength(9);
    const keyIds = [...scenario.incidents, ...scenario.benign].map((window) => window.keyId);
    expect(new Set(keyIds).size).toBe(keyIds.length);
    for (const incident of scenario.incidents) {
      expect(incident.start, incident.id).toBeGreaterThanOrEqual(scenario.start + 14 * DAY_MS);
      expect(incident.end, incident.id).toBeGreaterThanOrEqual(incident.start);
      expect(incident.end, incident.id).toBeLessThan(scenario.end);
      const events = windowEvents(scenario, incident);
      expect(events.length, incident.id).toBeGreaterThan(0);
      expect(Date.parse((events[0] as CanonicalEvent).ts), incident.id).toBe(incident.start);
    }
    for (const change of scenario.benign) {
      expect(change.start, change.id).toBeGreaterThanOrEqual(scenario.start + 14 * DAY_MS);
      expect(change.end, change.id).toBeLessThanOrEqual(scenario.end);
    }
  });

  it('stages incidents the way their labels say', () => {
    const byKind = new Map(scenario.incidents.map((incident) => [incident.kind, incident]));
    const keyOf = (window: LabelledWindow) => scenario.keys.find((key) => key.keyId === window.keyId)!;

    const exfil = windowEvents(scenario, byKind.get('exfil-burst-new-ip')!);
    const exfilMinutes = (Date.parse(exfil.at(-1)!.ts) - Date.parse(exfil[0]!.ts)) / 60_000;
    expect(exfil.length / exfilMinutes).toBeGreaterThan(100);
    expect(exfil.reduce((sum, event) => sum + event.bytesOut, 0)).toBeGreaterThan(500_000_000);

    const probe = intruderEvents(scenario, byKind.get('auth-probe')!);
    const failures = probe.filter((event) => [401, 403, 404].includes(event.status));
    expect(failures.length / probe.length).toBeGreaterThan(0.8);

    const recon = intruderEvents(scenario, byKind.get('recon-new-country')!);
    expect(recon.length).toBeGreaterThanOrEqual(25);
    expect(recon.length).toBeLessThanOrEqual(60);
    expect(recon.filter((event) => event.status === 404).length).toBeGreaterThan(3);

    const slow = intruderEvents(scenario, byKind.get('low-and-slow-new-country')!);
    expect(Date.parse(slow.at(-1)!.ts) - Date.parse(slow[0]!.ts)).toBeGreaterThan(5 * 3_600_000);

    const weekend = byKind.get('weekend-night-known-ip')!;
    const office = keyOf(weekend);
    expect(office.kind).toBe('office');
    const weekendCalls = windowEvents(scenario, weekend);
    expect(intruderEvents(scenario, weekend)).toHaveLength(0);
    for (const event of weekendCalls) {
      const clock = localClock(office.timezone, Date.parse(event.ts));
      expect(['Sat', 'Sun']).toContain(clock.weekday);
      expect(clock.hour).toBeGreaterThanOrEqual(1);
      expect(clock.hour).toBeLessThan(4);
    }
  });

  it('gives addresses geo labels that are true in the lookup the engine uses', () => {
    const used = usedAddresses(scenario);
    for (const key of scenario.keys) {
      for (const cidr of key.networks) {
        const address = used.get(key.keyId)?.get(cidr);
        if (address === undefined) continue; // a host that joins after the scenario ends
        expect(key.countries, `${key.keyId} ${address}`).toContain(geo(address)?.country);
      }
    }
    for (const kind of ['recon-new-country', 'low-and-slow-new-country', 'global-key-new-country'] as const) {
      const incident = scenario.incidents.find((candidate) => candidate.kind === kind)!;
      const key = scenario.keys.find((candidate) => candidate.keyId === incident.keyId)!;
      const orgCountries = new Set(
        scenario.keys.filter((other) => other.orgId === key.orgId).flatMap((other) => other.countries),
      );
      const intruder = intruderEvents(scenario, incident);
      expect(intruder.length, kind).toBeGreaterThan(0);
      for (const event of intruder) {
        const country = geo(event.ip)?.country;
        expect(country, `${kind} ${event.ip}`).toBeTruthy();
        expect(orgCountries.has(country as string), `${kind} ${event.ip} ${country}`).toBe(false);
      }
    }
    const night = scenario.incidents.find((candidate) => candidate.kind === 'night-new-ip-home-country')!;
    const nightKey = scenario.keys.find((candidate) => candidate.keyId === night.keyId)!;
    for (const event of intruderEvents(scenario, night)) {
      const place = geo(event.ip);
      expect(place?.country).toBe(nightKey.home.country);
      expect(place?.city).not.toBe(nightKey.home.city);
      const clock = localClock(nightKey.timezone, Date.parse(event.ts));
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(clock.weekday);
      expect(clock.hour).toBeGreaterThanOrEqual(2);
      expect(clock.hour).toBeLessThan(4);
    }
  });

  it('keeps office keys (home workers included) in their home city unless they travel', () => {
    const travelling = new Set(
      scenario.benign.filter((change) => change.kind === 'travel-in-country').map((c) => c.keyId),
    );
    const offices = scenario.keys.filter((key) => key.kind === 'office' && !travelling.has(key.keyId));
    expect(offices.length).toBeGreaterThan(10);
    const used = usedAddresses(scenario);
    for (const key of offices) {
      expect(key.networks.length, key.keyId).toBeGreaterThan(3);
      for (const cidr of key.networks) {
        const address = used.get(key.keyId)?.get(cidr);
        if (address !== undefined) expect(geo(address)?.city, address).toBe(key.home.city);
      }
    }
  });

  it('sends every everyday call from one of the key’s own networks', () => {
    const networks = new Map(scenario.keys.map((key) => [key.keyId, new Set(key.networks)]));
    const windows = scenario.incidents;
    const strays = scenario.events.filter((event) => {
      if (networks.get(event.keyId)?.has(network24(event.ip))) return false;
      const time = Date.parse(event.ts);
      return !windows.some(
        (window) => window.keyId === event.keyId && time >= window.start && time <= window.end,
      );
    });
    expect(strays).toHaveLength(0);
  });

  it('starts a brand-new key mid-scenario', () => {
    const change = scenario.benign.find((candidate) => candidate.kind === 'brand-new-key')!;
    const first = scenario.events.find((event) => event.keyId === change.keyId)!;
    expect(Date.parse(first.ts)).toBeGreaterThanOrEqual(change.start);
    expect(change.start).toBeGreaterThanOrEqual(scenario.start + 14 * DAY_MS);
  });

  it('follows daylight saving: office traffic moves by an hour in UTC when the zone changes offset', () => {
    const offices = generateScenario({ seed: 5, mix: { office: 8 }, incidents: [], benign: [] });
    const changing = offices.keys.filter(
      (key) =>
        localClock(key.timezone, offices.start).offsetMinutes !==
        localClock(key.timezone, offices.end).offsetMinutes,
    );
    expect(changing.length).toBeGreaterThan(0);
    for (const key of changing) {
      const before = localClock(key.timezone, offices.start).offsetMinutes;
      const after = localClock(key.timezone, offices.end).offsetMinutes;
      // Mean time of day of the key's calls, read with the summer offset, two weeks on each side.
      const meanMinute = (from: number, to: number) => {
        let total = 0;
        let count = 0;
        for (const event of offices.events) {
          const time = Date.parse(event.ts);
          if (event.keyId !== key.keyId || time < from || time >= to) continue;
          total += (((time / 60_000 + before) % 1440) + 1440) % 1440;
          count++;
        }
        return total / count;
      };
      const summer = meanMinute(offices.start, offices.start + 14 * DAY_MS);
      const winter = meanMinute(offices.end - 7 * DAY_MS, offices.end);
      expect(winter - summer, key.timezone).toBeGreaterThan(before - after - 20);
      expect(winter - summer, key.timezone).toBeLessThan(before - after + 20);
    }
  });
});
