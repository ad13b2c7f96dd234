/**
 * A request's path and query as WHATWG URL parsing reads them against the fake's base
 * (`new URL(target, "http://fake.invalid")`), without a URL for the usual target.
 *
 * Why: every request needs them, and a URL is ~0.9 us and ~0.5 KB of garbage a request on Node 20
 * (its parse in C++, its context, and a fresh string from each getter, of which a request read
 * the path six times), for a target like "/v1/chat/completions" that it leaves as it is.
 */
export interface RequestTarget {
  /** The path, as URL's `pathname`. */
  readonly pathname: string;
  /** The query with its "?", or "" when there is none or it is empty, as URL's `search`. */
  readonly search: string;
}

const BASE = "http://fake.invalid";

/**
 * A target URL leaves as it is: an origin-form path (one "/" first: "//x" names a host) of
 * characters no special-scheme URL escapes or rewrites (no "%", which could spell a dot, nor "\",
 * which it turns into "/"), then maybe a query of the same and "%", "?" (no "'", which a
 * special-scheme query escapes, nor "#", which starts a fragment).
 */
const PLAIN = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?$/;
/** A "." or ".." segment, which URL resolves away. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export function requestTarget(target: string): RequestTarget {
  if (PLAIN.test(target)) {
    const at = target.indexOf("?");
    const pathname = at < 0 ? target : target.slice(0, at);
    if (!DOT_SEGMENT.test(pathname)) {
      return { pathname, search: at < 0 || at === target.length - 1 ? "" : target.slice(at) };
    }
  }
  const url = new URL(target, BASE);
  return { pathname: url.pathname, search: url.search };
}

/**
 * requestTarget, or undefined for a target no URL can be read from: node's parser lets an
 * absolute form with a bad host through (GET http://[x/), and a server that let URL's throw
 * escape its request handler ended there, for every client on its port.
 */
export function readableTarget(target: string): RequestTarget | undefined {
  try {
    return requestTarget(target);
  } catch {
    return undefined;
  }
}

/** What a server answers, after its own name, when readableTarget gave it nothing. */
export const unreadableTarget = (target: string | undefined): string =>
  `the request target ${JSON.stringify(target)} is not a URL path; send an origin-form target such as /v1/chat/completions`;
