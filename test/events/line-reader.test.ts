import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type InputLine, LineSplitter, readLines } from '../../src/events/line-reader.js';

function split(chunks: Array<string | Uint8Array>, maxLineBytes = 64): Array<[number, string | number]> {
  const out: Array<[number, string | number]> = [];
  const splitter = new LineSplitter(maxLineBytes, (line, text, oversized) => {
    out.push([line, text ?? oversized]);
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return out;
}

describe('LineSplitter', () => {
  it('numbers lines from 1, removes a trailing CR and keeps a last line without newline', () => {
    expect(split(['a\r\nb', 'c\n\nlast'])).toEqual([
      [1, 'a'],
      [2, 'bc'],
      [3, ''],
      [4, 'last'],
    ]);
  });

  it('joins a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('{"city":"Zürich"}\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // inside "ü"
    expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([[1, '{"city":"Zürich"}']]);
  });

  it('reports an oversized line by its byte length without keeping it, and goes on', () => {
    const long = 'x'.repeat(100);
    expect(split([`ok\n${long.slice(0, 30)}`, `${long.slice(30)}\nnext\n`])).toEqual([
      [1, 'ok'],
      [2, 100],
      [3, 'next'],
    ]);
    // Counted in UTF-8 bytes: 30 × "é" is 60 bytes, within 64; 40 × "é" is 80, over it.
    expect(split([`${'é'.repeat(30)}\n${'é'.repeat(40)}\n`])).toEqual([
      [1, 'é'.repeat(30)],
      [2, 80],
    ]);
  });

  it('reports an oversized last line without newline', () => {
    expect(split(['a\n', 'y'.repeat(70)])).toEqual([
      [1, 'a'],
      [2, 70],
    ]);
  });
});

describe('readLines', () => {
  it('gives the same lines as the splitter, over a stream', async () => {
    const items: InputLine[] = [];
    for await (const item of readLines(Readable.from([Buffer.from('a\nb'), Buffer.from('\nc')]), 64)) {
      items.push(item);
    }
    expect(items).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: 'c' },
    ]);
  });
});
