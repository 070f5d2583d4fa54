/** One HTTP response as the spec looks at it. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** Every `Set-Cookie` header of the response, in order. */
  readonly setCookies: string[];
  readonly text: string;
  /** The `Set-Cookie` for `name`, or `undefined`. */
  setCookie(name: string): string | undefined;
  json<T = Record<string, unknown>>(): T;
}

/** Options of {@link Browser.request}. */
export interface RequestOptions {
  method?: string;
  /** Sent instead of the jar's cookies. */
  cookie?: string;
  headers?: Record<string, string>;
  /** A request body, sent as given (set its `content-type` in `headers` when it is a string). */
  body?: RequestInit["body"];
  /** Store the reply's cookies in the jar (default); `false` leaves that to {@link Browser.absorb}. */
  store?: boolean;
}

/**
 * A tiny browser: `fetch` with a cookie jar that stores `Set-Cookie` values and clears the ones
 * expired with `Max-Age=0`. Redirects are not followed, so each hop can be checked.
 */
export class Browser {
  readonly #base: string;
  readonly #jar = new Map<string, string>();

  constructor(base: string) {
    this.#base = base;
  }

  /** The `Cookie` header the next request sends, or `undefined` when the jar is empty. */
  get cookieHeader(): string | undefined {
    if (this.#jar.size === 0) return undefined;
    return [...this.#jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** The value of one stored cookie. */
  cookie(name: string): string | undefined {
    return this.#jar.get(name);
  }

  set(name: string, value: string): void {
    this.#jar.set(name, value);
  }

  clear(): void {
    this.#jar.clear();
  }

  async request(path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    const cookie = options.cookie ?? this.cookieHeader;
    if (cookie !== undefined) headers.cookie = cookie;
    const response = await fetch(new URL(path, this.#base), {
      method: options.method ?? "GET",
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      redirect: "manual",
      signal: AbortSignal.timeout(8000),
    });
    const text = await response.text();
    const setCookies = response.headers.getSetCookie();
    if (options.store !== false) for (const line of setCookies) this.#store(line);
    return {
      status: response.status,
      headers: response.headers,
      setCookies,
      text,
      setCookie: (name) => setCookies.find((line) => line.startsWith(`${name}=`)),
      json: <T>() => JSON.parse(text) as T,
    };
  }

  /** Stores a reply's cookies as if it had just arrived (to play replies back in a chosen order). */
  absorb(reply: Reply): void {
    for (const line of reply.setCookies) this.#store(line);
  }

  #store(line: string): void {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const equals = pair.indexOf("=");
    const name = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    const expired = attributes.some((a) => /^max-age=0$/i.test(a));
    if (expired || value === "") this.#jar.delete(name);
    else this.#jar.set(name, value);
  }
}
