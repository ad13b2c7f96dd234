import { afterAll, beforeAll } from "vitest";
import { createRunCa, type RunCa } from "../../runtime/tls/run-ca.ts";
import type { EdgeTlsOptions } from "../edge.ts";

/**
 * One run CA for the enclosing describe block (made in beforeAll, removed in afterAll, also when a
 * test failed), and an edge's `tls` option from it. Making keys is the slow part: share it.
 */
export function useRunCa(): { ca: () => RunCa; tls: () => EdgeTlsOptions } {
  let ca: RunCa | undefined;
  beforeAll(async () => {
    ca = await createRunCa();
  });
  afterAll(async () => {
    await ca?.[Symbol.asyncDispose]();
  });
  const get = () => {
    if (!ca) throw new Error("the run CA is made in beforeAll: use it inside a test");
    return ca;
  };
  return { ca: get, tls: () => ({ certPath: get().certPath, keyPath: get().keyPath }) };
}
