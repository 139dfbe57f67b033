/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  receivedAt: number;
}

/** A minimal SSE client over fetch, for tests: parses events and comment lines as they arrive. */
export interface SseConnection {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** The first event (from the start of the connection) that satisfies `predicate`. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  waitForComment(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openStream(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  const ended = (async () => {
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: Partial<SseEvent> & { data?: string } = {};
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (current.data !== undefined)
              events.push({ ...current, data: current.data, receivedAt: Date.now() });
            current = {};
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data')
              current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
          }
          changed();
          newline = buffer.indexOf('\n');
        }
      }
    } catch {
      // Aborted by close().
    }
    changed();
  })();
  let done = false;
  void ended.then(() => {
    done = true;
    changed();
  });
  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(test);
        settle();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const test = () => {
        const found = check();
        if (found !== undefined) finish(() => resolve(found));
        else if (done) finish(() => reject(new Error(`the stream ended without ${what}`)));
      };
      listeners.add(test);
      test();
    });
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    waitFor: (predicate, timeoutMs = 5000) =>
      waitUntil(() => events.find(predicate), timeoutMs, 'matching event'),
    waitForComment: (text, timeoutMs = 5000) =>
      waitUntil(() => (comments.includes(text) ? true : undefined), timeoutMs, `comment ${text}`).then(
        () => {},
      ),
    ended,
    close: () => abort.abort(),
  };
}
