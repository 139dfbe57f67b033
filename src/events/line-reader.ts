import type { Readable } from 'node:stream';

/** One line of an NDJSON input, or the notice that a line was too long to keep. */
export type InputLine =
  | { line: number; text: string; oversized?: undefined }
  | { line: number; text?: undefined; oversized: number };

/** Receives the lines of `LineSplitter`: the text, or `undefined` and the byte length of an oversized line. */
export type LineSink = (line: number, text: string | undefined, oversizedBytes: number) => void;

/**
 * Splits bytes into lines, synchronously, chunk by chunk, without ever holding more than
 * `maxLineBytes` of one line: a longer line is skipped up to its end and reported as oversized (with
 * its length), so a hostile input cannot exhaust memory. Line numbers start at 1; a trailing `\r` is
 * removed. `readLines` is the same over a stream; this form costs no promise per line.
 *
 * @example
 * const splitter = new LineSplitter(65536, (line, text) => { … });
 * splitter.push(chunk); … splitter.end();
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private carry = '';
  private carryBytes = 0;
  private skipping = false;
  private skippedBytes = 0;
  private line = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  /** Lines read so far. */
  get lines(): number {
    return this.line;
  }

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const { maxLineBytes, sink } = this;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      const number = ++this.line;
      const piece = text.slice(start, newline);
      start = newline + 1;
      if (this.skipping) {
        const bytes = this.skippedBytes + Buffer.byteLength(piece);
        this.skipping = false;
        this.skippedBytes = 0;
        sink(number, undefined, bytes);
        continue;
      }
      const full = this.carry.length > 0 ? this.carry + piece : piece;
      this.carry = '';
      this.carryBytes = 0;
      const bytes = full.length * 3 > maxLineBytes ? Buffer.byteLength(full) : full.length;
      if (bytes > maxLineBytes) sink(number, undefined, bytes);
      else sink(number, full.endsWith('\r') ? full.slice(0, -1) : full, 0);
    }
    const rest = text.slice(start);
    if (rest.length === 0) return;
    if (this.skipping) {
      this.skippedBytes += Buffer.byteLength(rest);
      return;
    }
    this.carry += rest;
    this.carryBytes += Buffer.byteLength(rest);
    if (this.carryBytes > maxLineBytes) {
      this.skipping = true;
      this.skippedBytes = this.carryBytes;
      this.carry = '';
      this.carryBytes = 0;
    }
  }

  /** End of input: the last line if it has no newline. */
  end(): void {
    const tail = this.decoder.decode();
    if (this.skipping) {
      this.sink(++this.line, undefined, this.skippedBytes);
      return;
    }
    const carry = this.carry + tail;
    this.carry = '';
    if (carry.length === 0) return;
    const number = ++this.line;
    const bytes = Buffer.byteLength(carry);
    if (bytes > this.maxLineBytes) this.sink(number, undefined, bytes);
    else this.sink(number, carry.endsWith('\r') ? carry.slice(0, -1) : carry, 0);
  }
}

/**
 * The lines of a byte stream (see `LineSplitter` for the rules).
 *
 * @example for await (const item of readLines(createReadStream(file), 65536)) { … }
 */
export async function* readLines(input: Readable, maxLineBytes: number): AsyncGenerator<InputLine> {
  let pending: InputLine[] = [];
  const splitter = new LineSplitter(maxLineBytes, (line, text, oversized) => {
    pending.push(text === undefined ? { line, oversized } : { line, text });
  });
  for await (const chunk of input) {
    splitter.push(chunk as Uint8Array | string);
    const ready = pending;
    pending = [];
    yield* ready;
  }
  splitter.end();
  yield* pending;
}
