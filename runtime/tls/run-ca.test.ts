import { createHash, X509Certificate } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { connect, createServer } from "node:tls";
import { describe, expect, it } from "vitest";
import { StreamchaosError } from "../../lib/errors.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { createRunCa, type RunCa } from "./run-ca.ts";

/** Opens a TLS connection to a server serving `run`'s leaf; resolves with the outcome. */
async function handshake(run: RunCa, ca: string | undefined, servername?: string): Promise<string> {
  const server = createServer({ cert: run.certPem, key: run.keyPem }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        ca: ca === "self" ? run.caCertPem : ca,
        ...(servername ? { servername } : {}),
      });
      socket.once("secureConnect", () => {
        socket.destroy();
        resolve("ok");
      });
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
  } finally {
    server.close();
  }
}

describe("createRunCa", () => {
  it("issues a CA and a loopback leaf that chain, with the SANs clients match", async () => {
    await using run = await createRunCa();
    const ca = new X509Certificate(run.caCertPem);
    const leaf = new X509Certificate(run.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(new Date(leaf.validTo).getTime()).toBeGreaterThan(Date.now() + 60 * 60 * 1000);
    const spki = leaf.publicKey.export({ type: "spki", format: "der" });
    expect(run.leafSpkiSha256).toBe(createHash("sha256").update(spki).digest("base64"));
  });

  it("writes the PEM files (key private) in its own temp dir and removes it on dispose", async () => {
    let dir: string;
    {
      await using run = await createRunCa();
      dir = run.dir;
      for (const path of [run.caCertPath, run.certPath, run.keyPath]) expect(existsSync(path)).toBe(true);
      expect(statSync(run.keyPath).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it("in a given dir (the run's), removes only its own files", async () => {
    await using parent = await makeTempDir("ca-test");
    const run = await createRunCa({ dir: parent.path });
    expect(run.certPath.startsWith(parent.path)).toBe(true);
    await run[Symbol.asyncDispose]();
    expect(existsSync(run.certPath)).toBe(false);
    expect(existsSync(parent.path)).toBe(true);
  });

  it("is trusted by a client given the CA, and by nobody else", async () => {
    await using run = await createRunCa();
    await using other = await createRunCa();
    expect(await handshake(run, "self")).toBe("ok");
    expect(await handshake(run, "self", "localhost")).toBe("ok");
    expect(await handshake(run, undefined)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(await handshake(run, other.caCertPem)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("refuses a host that is neither a DNS name nor an IP literal", async () => {
    const error = await createRunCa({ hosts: ["bad host"] }).catch((e: unknown) => e);
    expect((error as StreamchaosError).code).toBe("TLS_BAD_HOSTS");
    expect(error).toBeInstanceOf(StreamchaosError);
  });
});
