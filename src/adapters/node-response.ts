import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { type CommitResult, setCookiesOf } from "../core/factory.js";
import type { ResponseInfo } from "../core/types.js";

/** Header values as one string, the way `ResponseInfo.header` reports them. */
export function headerText(value: number | string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : String(value);
}

// A class, not an object literal with a getter: a literal's getter gives every request its own hidden
// class, which keeps the whole response reachable until a full GC (measured: 12× the old-space growth).
class NodeResponseInfo implements ResponseInfo {
  readonly #res: StatusAndHeaders;
  constructor(res: StatusAndHeaders) {
    this.#res = res;
  }
  get status(): number {
    return this.#res.statusCode;
  }
  header(name: string): string | undefined {
    return headerText(this.#res.getHeader(name));
  }
}

/** What `responseInfo` reads: a `node:http` response, or a Fastify reply. */
export interface StatusAndHeaders {
  readonly statusCode: number;
  getHeader(name: string): number | string | readonly string[] | undefined;
}

/** A `ResponseInfo` view of a `node:http` response (or a Fastify reply), for `allowCookie`. */
export function responseInfo(res: StatusAndHeaders): ResponseInfo {
  return new NodeResponseInfo(res);
}

/** Whether the request arrived over TLS on this socket (a proxy's `X-Forwarded-Proto` is not trusted here). */
export function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/** Adds a commit's `Set-Cookie` and `Vary: Cookie` to a response whose head is not sent yet. */
export function applyCommit(res: ServerResponse, result: CommitResult): void {
  for (const cookie of setCookiesOf(result)) res.appendHeader("Set-Cookie", cookie);
  if (result.vary) {
    const current = headerText(res.getHeader("Vary"));
    const merged = varyCookie(current);
    if (merged !== current) res.setHeader("Vary", merged);
  }
}

/**
 * Applies a commit's answer (from `commitNow`) to `res`: at once when it is settled, otherwise when it
 * settles, and then answers the promise to wait for.
 */
export function applySettled(
  res: ServerResponse,
  answer: CommitResult | Promise<CommitResult>,
): Promise<void> | undefined {
  if (answer instanceof Promise) return answer.then((result) => applyCommit(res, result));
  applyCommit(res, answer);
  return undefined;
}

/** A `Vary` value covering `Cookie`: `current` when it already does (or is `*`), else `current, Cookie`. */
export function varyCookie(current: string | undefined): string {
  if (!current) return "Cookie";
  return /(?:^|,)\s*(?:cookie|\*)\s*(?:,|$)/i.test(current) ? current : `${current}, Cookie`;
}
