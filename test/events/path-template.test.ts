import { describe, expect, it } from 'vitest';
import { toRouteTemplate } from '../../src/events/path-template.js';

const WEBEX_MESSAGE_ID = 'Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk';

describe('toRouteTemplate', () => {
  it.each([
    ['/v1/people/me', '/v1/people/me'],
    ['/v1/rooms', '/v1/rooms'],
    ['/v1/messages', '/v1/messages'],
    [`/v1/messages/${WEBEX_MESSAGE_ID}`, '/v1/messages/{id}'],
    ['/v1/rooms/Y2lzY29zcGFyazovL3Vz', '/v1/rooms/{id}'],
    ['/v1/rooms?max=100&type=group', '/v1/rooms'],
    ['/v1/rooms#top', '/v1/rooms'],
    ['/v1/rooms/?max=1', '/v1/rooms'],
    ['//v1///people//me/', '/v1/people/me'],
    ['v1/people', '/v1/people'],
    ['', '/'],
    ['/', '/'],
    ['?only=query', '/'],
    ['https://webexapis.com/v1/rooms/12345?x=y', '/v1/rooms/{id}'],
    ['https://webexapis.com', '/'],
    ['/orders/12345', '/orders/{id}'],
    ['/files/550e8400-e29b-41d4-a716-446655440000/content', '/files/{id}/content'],
    ['/files/550E8400-E29B-41D4-A716-446655440000', '/files/{id}'],
    ['/commits/9fceb02d0ae598e95dc970b74767f19372d61af8', '/commits/{id}'],
    ['/objects/deadbeefcafebabe', '/objects/{id}'],
    ['/v1/people/jane.doe@example.com', '/v1/people/{id}'],
    ['/v1/people/jane.doe%40example.com/status', '/v1/people/{id}/status'],
    ['/tokens/eyJhbGciOiJIUzI1NiJ9abc', '/tokens/{id}'],
    ['/sessions/AbCdEfGhIjKlMnOpQrSt', '/sessions/{id}'],
    ['/tokens/abc123def456', '/tokens/{id}'],
    ['/reports/2026-11-03', '/reports/{id}'],
    [`/x/${'a'.repeat(65)}`, '/x/{id}'],
    ['/v1/resourceGroupMemberships', '/v1/resourceGroupMemberships'],
    ['/v1/meetingParticipants', '/v1/meetingParticipants'],
    ['/v1/attachment/actions', '/v1/attachment/actions'],
    ['/v1/telephony/config/locations', '/v1/telephony/config/locations'],
    ['/v2/oauth2/token', '/v2/oauth2/token'],
    ['/api/v1.2/ipv6addresses', '/api/v1.2/ipv6addresses'],
    ['/v1/rooms/../people', '/v1/rooms/../people'],
  ])('templates %s as %s', (path, template) => {
    expect(toRouteTemplate(path)).toBe(template);
  });

  it('bounds the template of a path with very many segments', () => {
    const path = `/${Array.from({ length: 200 }, (_, i) => `segment${String.fromCharCode(97 + (i % 26))}`).join('/')}`;
    const template = toRouteTemplate(path);
    expect(template.length).toBeLessThanOrEqual(256);
    expect(template.endsWith('/{more}')).toBe(true);
    expect(template.startsWith('/segmenta/segmentb/')).toBe(true);
  });

  it('bounds the template of a path made of long words', () => {
    const word = 'w'.repeat(60);
    const template = toRouteTemplate(`/${word}/${word}/${word}/${word}/${word}/${word}`);
    expect(template.length).toBeLessThanOrEqual(256);
    expect(template).toBe(`/${word}/${word}/${word}/${word}/{more}`);
  });

  it('gives the same answer when asked again (cached)', () => {
    const path = `/v1/messages/${WEBEX_MESSAGE_ID}?cached=1`;
    expect(toRouteTemplate(path)).toBe(toRouteTemplate(path));
  });

  it('templates thousands of generated paths exactly, however they are spelled and in any order', () => {
    let seed = 99;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    // Words of equal length with equal first and last letters share a slot of the template memo.
    const words = ['v1', 'v2', 'rooms', 'reams', 'rolls', 'me', 'my', 'messages', 'memberships'];
    const longWords = ['resourceGroupMemberships', 'meetingParticipants', 'attachment'];
    const values = [
      () => String(Math.floor(random() * 1e9)),
      () => '550e8400-e29b-41d4-a716-446655440000',
      () => `Y2lzY29zcGFyazovL3VzL1JPT00v${Math.floor(random() * 1e6)}`,
      () => 'jane.doe@example.com',
      () => 'deadbeefcafebabe0123',
    ];
    for (let i = 0; i < 5000; i++) {
      const pieces: string[] = [];
      let path = random() < 0.1 ? 'https://webexapis.com' : '';
      const count = 1 + Math.floor(random() * 5);
      for (let j = 0; j < count; j++) {
        const isValue = random() < 0.35;
        const text = isValue ? pick(values)() : random() < 0.2 ? pick(longWords) : pick(words);
        pieces.push(isValue ? '{id}' : text);
        path += `${random() < 0.1 ? '//' : '/'}${text}`;
      }
      if (random() < 0.2) path += '/';
      if (random() < 0.2) path += pick(['?max=10', '#top', '?a=/b/c#d']);
      expect(toRouteTemplate(path), path).toBe(`/${pieces.join('/')}`);
    }
  });
});
