/**
 * Light stand-ins for the WHATWG `Headers`, `Request` and `Response`, for the ingress.
 *
 * Node implements the real ones in undici, which it loads on their first use, and with it
 * `node:http2` and `node:zlib`: about 45% of an ingress's cold start (BENCHMARKS.md, issue 21), for
 * objects an ingress holds for a fraction of a millisecond. An ingress has its whole request in the
 * Lambda event and answers a short text or JSON, so it needs none of their streams: these hold the
 * body as a string or bytes and implement what Hono and the ingress call. The ingress bundle gives
 * them to Hono in place of the globals (scripts/bundle.ts); the worker and the relay, which call the
 * platforms with `fetch`, keep Node's. What they leave out: body streams (`body` is the string or
 * bytes), `clone()`, `formData()`, `blob()`, signals and the spec's header validation (the Lambda
 * edge refuses a malformed header before a request is built, handlers/core/lambda.ts).
 */

/** What a body may be made from. */
export type LightBodyInit = string | Uint8Array | ArrayBuffer | null | undefined;

/** What headers may be made from: headers, a record, or name/value pairs. */
export type LightHeadersInit =
  | LightHeaders
  | Headers
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>;

/** RFC 9110 whitespace around a field value, which Headers drops. */
const OUTER_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Header names are case-insensitive: lower-cased, as `Headers` returns them; `set-cookie` values stay apart. */
export class LightHeaders {
  readonly #values = new Map<string, string>();
  readonly #cookies: string[] = [];

  constructor(init?: LightHeadersInit) {
    if (init === undefined) return;
    if (isIterable(init)) {
      for (const [name, value] of init) this.append(name, value);
      return;
    }
    for (const [name, value] of Object.entries(init)) {
      if (value === undefined) continue;
      for (const item of typeof value === "string" ? [value] : value) this.append(name, item);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const normal = String(value).replace(OUTER_WHITESPACE, "");
    if (key === "set-cookie") {
      this.#cookies.push(normal);
      return;
    }
    const had = this.#values.get(key);
    this.#values.set(key, had === undefined ? normal : `${had}, ${normal}`);
  }

  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    if (key === "set-cookie") return this.#cookies.length === 0 ? null : this.#cookies.join(", ");
    return this.#values.get(key) ?? null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  delete(name: string): void {
    const key = name.toLowerCase();
    if (key === "set-cookie") this.#cookies.length = 0;
    else this.#values.delete(key);
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  /** Name/value pairs in name order, each `set-cookie` on its own, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#values.keys(), ...(this.#cookies.length > 0 ? ["set-cookie"] : [])].sort();
    for (const name of names) {
      if (name === "set-cookie") for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#values.get(name) as string];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: LightHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function isIterable(value: object): value is Iterable<readonly [string, string]> {
  return Symbol.iterator in value;
}

/** A body read once, as text, JSON or bytes. */
class LightBody {
  readonly #body: string | Uint8Array | null;
  #used = false;

  constructor(body: LightBodyInit) {
    this.#body = body instanceof ArrayBuffer ? new Uint8Array(body) : (body ?? null);
  }

  /** The body as it was given (not a stream): enough for Hono to tell a request with a body from one without. */
  get body(): string | Uint8Array | null {
    return this.#body;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  async text(): Promise<string> {
    const body = this.#take();
    return typeof body === "string" ? body : decoder.decode(body);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const body = this.#take();
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  #take(): string | Uint8Array {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    this.#used = true;
    return this.#body ?? "";
  }
}

/** What a request is made with. */
export interface LightRequestInit {
  readonly method?: string;
  readonly headers?: LightHeadersInit;
  readonly body?: LightBodyInit;
}

/** A request whose body is all there. */
export class LightRequest extends LightBody {
  readonly url: string;
  readonly method: string;
  readonly headers: LightHeaders;

  constructor(input: string | LightRequest, init: LightRequestInit = {}) {
    const from = typeof input === "string" ? undefined : input;
    super(init.body !== undefined ? init.body : from?.body);
    this.url = from?.url ?? (input as string);
    this.method = (init.method ?? from?.method ?? "GET").toUpperCase();
    this.headers = new LightHeaders(init.headers ?? from?.headers);
  }
}

/** What a response is made with (a response itself will do, as Hono passes one to copy it). */
export interface LightResponseInit {
  readonly status?: number;
  readonly statusText?: string;
  readonly headers?: LightHeadersInit;
}

/** A response with its body all there; a string body is `text/plain;charset=UTF-8` unless said otherwise. */
export class LightResponse extends LightBody {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LightHeaders;

  constructor(body?: LightBodyInit, init: LightResponseInit = {}) {
    super(body);
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? "";
    this.headers = new LightHeaders(init.headers);
    if (typeof body === "string" && !this.headers.has("content-type")) {
      this.headers.set("content-type", "text/plain;charset=UTF-8");
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }
}
