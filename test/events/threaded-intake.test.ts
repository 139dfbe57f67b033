import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createReplayPipeline, replayEvents, sortAlerts } from '../../src/engine/replay.js';
import { EventIntake } from '../../src/events/intake.js';
import { readLines } from '../../src/events/line-reader.js';
import { readEventsThreaded } from '../../src/events/threaded-intake.js';
import type { AccessEvent, Rejection } from '../../src/events/types.js';
import { generateScenario } from '../../src/scenarios/generate.js';

type Item = { event: AccessEvent; line: number } | { rejection: Rejection; line: number };

const config = loadConfig();

/** A scenario as NDJSON, with malformed lines, duplicates and an oversized line mixed in. */
function input(): string {
  const { events } = generateScenario({ seed: 5, days: 21 });
  const lines = events.map((event) => JSON.stringify(event));
  const hostile = [
    '{"ts": "2026-11-03T09:00:00Z", "keyId": "k-bad"',
    '{"ts": "yesterday", "keyId": "k-1", "ip": "81.2.69.160"}',
    '[1, 2, 3]',
    '',
    `{"ts": "2026-11-03T09:00:00Z", "keyId": "k-1", "ip": "81.2.69.160", "pad": "${'x'.repeat(70_000)}"}`,
    '{"ts": "2026-11-03T09:00:00Z", "keyId": "k\\u0000", "ip": "81.2.69.160"}',
  ];
  for (let index = 0; index < hostile.length; index++) {
    const at = Math.floor(((index + 1) * lines.length) / (hostile.length + 1));
    lines.splice(at, 0, hostile[index]!, lines[at - 1]!); // the bad line, then a duplicate
  }
  return `${lines.join('\r\n')}\n`;
}

/** Chunks of odd sizes, so lines and characters straddle chunk boundaries. */
function stream(text: string): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7 + 3) % 200_000) {
    chunks.push(bytes.subarray(at, at + size));
  }
  return Readable.from(chunks);
}

describe('threaded intake', () => {
  const text = input();

  it('gives exactly the events and rejections of intake on this thread, in order', async () => {
    const local: Item[] = [];
    const intake = new EventIntake(config.events);
    for await (const item of readLines(stream(text), config.events.maxLineBytes)) {
      if (item.text === undefined) {
        const message = `line of ${item.oversized} bytes exceeds ${config.events.maxLineBytes}`;
        local.push({ rejection: { reason: 'oversized_line', message }, line: item.line });
      } else if (item.text.trim() !== '') {
        const result = intake.read(item.text);
        local.push(
          result.ok
            ? { event: { ...result.event, requestId: undefined }, line: item.line }
            : { rejection: result.rejection, line: item.line },
        );
      }
    }
    const threaded: Item[] = [];
    let progress = 0;
    await readEventsThreaded(stream(text), config.events, {
      onEvent: (event, line) => threaded.push({ event, line }),
      onReject: (rejection, line) => threaded.push({ rejection, line }),
      onProgress: (bytes) => {
        progress = bytes;
      },
    });
    expect(threaded.length).toBe(local.length);
    expect(threaded).toEqual(local);
    const reasons = threaded.flatMap((item) => ('rejection' in item ? [item.rejection.reason] : []));
    expect(new Set(reasons)).toEqual(
      new Set(['bad_json', 'invalid_ts', 'not_an_object', 'oversized_line', 'invalid_key_id', 'duplicate']),
    );
    // Progress counts characters of lines (not bytes), so it ends near the input's length.
    expect(Math.abs(progress - text.length) / text.length).toBeLessThan(0.01);
  });

  it('gives the alerts of a replay on this thread', async () => {
    const { pipeline, alerts } = createReplayPipeline({ config });
    await readEventsThreaded(stream(text), config.events, {
      onEvent: (event) => pipeline.admit(event),
      onReject: (rejection, line) => pipeline.rejectRaw(rejection, line),
    });
    pipeline.flush();
    const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
    const local = await replayEvents(
      lines.filter((line) => line.trim() !== ''),
      { config },
    );
    expect(sortAlerts(alerts.values())).toEqual(local.alerts);
    expect(local.alerts.length).toBeGreaterThan(0);
    expect(pipeline.stats.accepted).toBe(local.summary.accepted);
    expect(pipeline.stats.rejectedByReason).toEqual(local.summary.rejectedByReason);
  });

  it('fails with a clear error when the input stream fails, and stops its worker', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(
      readEventsThreaded(failing, config.events, { onEvent: () => {}, onReject: () => {} }),
    ).rejects.toThrow('disk on fire');
  });
});
