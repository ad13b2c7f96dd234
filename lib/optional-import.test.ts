import { describe, expect, it } from "vitest";
import { isUserError } from "./errors.ts";
import { importOptional, isMissingPackage } from "./optional-import.ts";

const ABSENT = "streamchaos-test-absent-package";
const pkg = { name: ABSENT, version: "1.2", feature: "--runtime docker", otherwise: "or run locally" };
const missing = (message: string) => Object.assign(new Error(message), { code: "ERR_MODULE_NOT_FOUND" });

describe("optional packages", () => {
  it("recognises Node's error for the package itself, not for a package it imports", () => {
    const own = missing("Cannot find package 'testcontainers' imported from /x/a.js");
    const nested = missing("Cannot find package 'ssh2' imported from /x/node_modules/testcontainers/a.js");
    expect(isMissingPackage(own, "testcontainers")).toBe(true);
    expect(isMissingPackage(nested, "testcontainers")).toBe(false);
    expect(isMissingPackage(new Error("Cannot find package 'testcontainers'"), "testcontainers")).toBe(false);
  });

  it("turns the missing package into a UserError that says what to install", async () => {
    const error = await importOptional(pkg, () => import(ABSENT as string)).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DEPENDENCY_MISSING");
    expect(String((error as Error).message)).toContain(`npm i -D ${ABSENT}@1.2 (or run locally)`);
  });

  it("lets any other failure through unchanged", async () => {
    const other = { ...pkg, name: "some-other-package" };
    const error = await importOptional(other, () => import(ABSENT as string)).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(false);
    expect(error).toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
  });
});
