import type { Readable } from 'node:stream';

/** One line of an NDJSON input, or the notice that a line was too long to keep. */
export type InputLine =
  | { line: number; text: string; oversized?: undefined }
  | { line: number; text?: undefined; oversized: number };

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of one line:
 * a longer line is skipped up to its end and reported as oversized (with its length), so a hostile
 * input cannot exhaust memory. Line numbers start at 1; a trailing `\r` is removed.
 *
 * @example for await (const item of readLines(createReadStream(file), 65536)) { … }
 */
export async function* readLines(input: Readable, maxLineBytes: number): AsyncGenerator<InputLine> {
  let carry = '';
  let carryBytes = 0;
  let skipping = false;
  let skippedBytes = 0;
  let line = 0;
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      line++;
      const piece = text.slice(start, newline);
      start = newline + 1;
      if (skipping) {
        yield { line, oversized: skippedBytes + Buffer.byteLength(piece) };
        skipping = false;
        skippedBytes = 0;
        continue;
      }
      const full = carry.length > 0 ? carry + piece : piece;
      carry = '';
      carryBytes = 0;
      const bytes = full.length * 3 > maxLineBytes ? Buffer.byteLength(full) : full.length;
      if (bytes > maxLineBytes) {
        yield { line, oversized: bytes };
        continue;
      }
      yield { line, text: full.endsWith('\r') ? full.slice(0, -1) : full };
    }
    const rest = text.slice(start);
    if (rest.length === 0) continue;
    if (skipping) {
      skippedBytes += Buffer.byteLength(rest);
      continue;
    }
    carry += rest;
    carryBytes += Buffer.byteLength(rest);
    if (carryBytes > maxLineBytes) {
      skipping = true;
      skippedBytes = carryBytes;
      carry = '';
      carryBytes = 0;
    }
  }
  const tail = decoder.decode();
  if (!skipping) carry += tail;
  if (skipping) {
    line++;
    yield { line, oversized: skippedBytes };
  } else if (carry.length > 0) {
    line++;
    const bytes = Buffer.byteLength(carry);
    if (bytes > maxLineBytes) yield { line, oversized: bytes };
    else yield { line, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry };
  }
}
