import { describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { runCommand } from "./run-command.ts";

describe("runCommand", () => {
  it("returns exit code and output, also for a failure", async () => {
    const r = await runCommand(process.execPath, [
      "-e",
      "console.log('out'); console.error('err'); process.exit(4)",
    ]);
    expect(r).toMatchObject({ code: 4, stdout: "out\n", stderr: "err\n" });
  });

  it("hands the arguments to the binary as they are: no shell in between", async () => {
    const args = ["a b", "$HOME", "'q'", "*", "; exit 9"];
    const r = await runCommand(process.execPath, [
      "-e",
      "console.log(JSON.stringify(process.argv.slice(1)))",
      ...args,
    ]);
    expect(JSON.parse(r.stdout)).toEqual(args);
    expect(r).toMatchObject({ code: 0, stderr: "" });
  });

  it("turns a missing binary into BINARY_NOT_FOUND with the install hint", async () => {
    const error = await runCommand("caddy", ["version"], { env: { PATH: "/nonexistent" } }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("BINARY_NOT_FOUND");
    expect(error.message).toContain("apt-get install -y caddy");
  });

  it("kills a command that outlives its timeout", async () => {
    const error = await runCommand(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      timeoutMs: 200,
    }).catch((e) => e);
    expect(error.code).toBe("COMMAND_TIMEOUT");
  });
});
