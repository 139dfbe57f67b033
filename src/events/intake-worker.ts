import { parentPort, workerData } from 'node:worker_threads';
import type { KeywatchConfig } from '../config/load.js';
import { EventBatchEncoder } from './event-batch.js';
import { EventIntake } from './intake.js';
import { LineSplitter } from './line-reader.js';
import type { IntakeReply, IntakeRequest } from './threaded-intake.js';

// The intake worker of `threaded-intake.ts`: splits the bytes it is sent into lines, parses,
// validates and dedupes them (EventIntake, exactly as the engine's thread would) and sends the
// results back in batches, so the engine's thread spends its time on detection.

const port = parentPort;
if (port === null) throw new Error('intake-worker runs as a worker thread');
const settings = (workerData as { events: KeywatchConfig['events'] }).events;
const maxLineBytes = settings.maxLineBytes;
const intake = new EventIntake(settings);
const encoder = new EventBatchEncoder();
let bytes = 0;

function send(reply: IntakeReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

function flush(): void {
  const { message, transfer } = encoder.take(bytes);
  send({ type: 'batch', batch: message }, transfer);
}

const splitter = new LineSplitter(maxLineBytes, (line, text, oversized) => {
  if (text === undefined) {
    bytes += oversized + 1;
    encoder.reject(
      { reason: 'oversized_line', message: `line of ${oversized} bytes exceeds ${maxLineBytes}` },
      line,
    );
  } else {
    bytes += text.length + 1;
    if (text.trim() === '') return;
    const result = intake.read(text);
    if (result.ok) encoder.add(result.event, line);
    else encoder.reject(result.rejection, line);
  }
  if (encoder.full || encoder.length >= 8192) flush();
});

port.on('message', (request: IntakeRequest) => {
  if (request.type === 'chunk') {
    send({ type: 'taken' });
    splitter.push(new Uint8Array(request.bytes));
    flush();
  } else {
    splitter.end();
    flush();
    send({ type: 'done' });
  }
});
