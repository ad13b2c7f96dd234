import { createHash, generateKeyPair, type KeyObject, sign, X509Certificate } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";
import { UserError } from "../../lib/errors.ts";
import { makeTempDir } from "../../lib/tempdir.ts";

/**
 * A throwaway certificate authority for one run, and a leaf certificate for the loopback names the
 * edges listen on. Browsers and HTTP/2 clients reach production edges over TLS; this lets the edges
 * serve real TLS while the run's clients trust exactly this CA (the probe by `ca`, Chromium by the
 * leaf's SPKI hash) and nothing on the machine trusts it afterwards: the files go with the run.
 *
 * Lives in runtime/ (not proxies/) because it is material that started boxes are run with, like ports
 * and temp dirs: the edges serve it, the clients in harness/ trust it, and a fake provider served over
 * HTTPS could use it too, which it could not if it sat in proxies/ (fakes and proxies never import each
 * other).
 *
 * Node's crypto makes keys and signatures but cannot build X.509 certificates; node-forge builds them
 * (pure JavaScript, no dependencies, no `openssl` binary to find: Debian gives `openssl` priority
 * optional, so a minimal image may lack it). Keys are made by Node's native RSA off the main thread,
 * and the signatures by Node too: forge's JavaScript RSA would block the event loop ~100 ms each.
 */
export interface RunCaOptions {
  /** Where the PEM files go (e.g. the run's temp dir). Absent: a private temp dir. Removed on dispose either way. */
  dir?: string;
  /** Names the leaf is valid for; IP literals become iPAddress SANs. Default 127.0.0.1, localhost, ::1. */
  hosts?: string[];
  /** Validity from now, default one day (backdated five minutes for clock skew). */
  validForMs?: number;
}

export interface RunCa extends AsyncDisposable {
  dir: string;
  /** The CA certificate, PEM: what a client trusts. */
  caCertPath: string;
  caCertPem: string;
  /** The leaf certificate and its unencrypted PKCS#8 key, PEM: what an edge serves. */
  certPath: string;
  certPem: string;
  keyPath: string;
  keyPem: string;
  /** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo (Chromium's `--ignore-certificate-errors-spki-list`). */
  leafSpkiSha256: string;
  hosts: string[];
  notAfter: Date;
}

const DEFAULT_HOSTS = ["127.0.0.1", "localhost", "::1"];
const DAY_MS = 24 * 60 * 60 * 1000;
const generateKeyPairAsync = promisify(generateKeyPair);

export async function createRunCa(options: RunCaOptions = {}): Promise<RunCa> {
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  if (hosts.length === 0 || hosts.some((h) => !/^[A-Za-z0-9.:-]+$/.test(h))) {
    throw new UserError("TLS_BAD_HOSTS", {
      what: `Cannot make a certificate for ${JSON.stringify(hosts)}`,
      why: "each host must be a DNS name or an IP literal",
      fix: "Pass hosts such as 127.0.0.1 and localhost.",
    });
  }
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const notAfter = new Date(Date.now() + (options.validForMs ?? DAY_MS));

  const [caKeys, leafKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const caName = [
    { name: "commonName", value: `streamchaos run CA ${Date.now().toString(36)}` },
    { name: "organizationName", value: "streamchaos (throwaway, one run)" },
  ];
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = randomSerial();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    // pathLen 0: this CA can only ever sign leaves.
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  signWithNode(ca, caKeys.key);

  const leaf = forge.pki.createCertificate();
  leaf.publicKey = leafKeys.publicKey;
  leaf.serialNumber = randomSerial();
  leaf.validity.notBefore = notBefore;
  leaf.validity.notAfter = notAfter;
  leaf.setSubject([{ name: "commonName", value: hosts[0]! }]);
  leaf.setIssuer(caName);
  leaf.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    // Clients match IP literals against iPAddress SANs only (RFC 6125), never against the CN.
    {
      name: "subjectAltName",
      altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWithNode(leaf, caKeys.key);

  const caCertPem = forge.pki.certificateToPem(ca);
  const certPem = forge.pki.certificateToPem(leaf);
  const keyPem = leafKeys.pem;
  const leafSpkiSha256 = createHash("sha256")
    .update(new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" }))
    .digest("base64");

  const owned = options.dir === undefined ? await makeTempDir("tls") : undefined;
  const dir = owned?.path ?? options.dir!;
  const paths = {
    caCertPath: join(dir, "streamchaos-ca.pem"),
    certPath: join(dir, "streamchaos-leaf.pem"),
    keyPath: join(dir, "streamchaos-leaf.key"),
  };
  const remove = async () => {
    if (owned) await owned[Symbol.asyncDispose]();
    else await Promise.all(Object.values(paths).map((p) => rm(p, { force: true })));
  };
  try {
    await writeFile(paths.caCertPath, caCertPem, { mode: 0o644 });
    await writeFile(paths.certPath, certPem, { mode: 0o644 });
    // nginx running as root reads it before dropping privileges; nothing else needs it.
    await writeFile(paths.keyPath, keyPem, { mode: 0o600 });
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    dir,
    ...paths,
    caCertPem,
    certPem,
    keyPem,
    leafSpkiSha256,
    hosts,
    notAfter,
    [Symbol.asyncDispose]: remove,
  };
}

interface KeyPair {
  /** forge's view of the public key (what the certificate embeds). */
  publicKey: forge.pki.rsa.PublicKey;
  key: KeyObject;
  pem: string;
}

async function rsaKeyPair(): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()),
    key: privateKey,
    pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Public in forge (lib/x509.js), missing from its type definitions. */
const pki = forge.pki as typeof forge.pki & {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
};

/** forge's `Certificate.sign`, step for step, with Node's native RSA making the signature. */
function signWithNode(cert: forge.pki.Certificate, key: KeyObject): void {
  const oid = pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = pki.getTBSCertificate(cert);
  // forge keeps the TBS it signed; certificateToPem re-encodes from it.
  (cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), "binary");
  cert.signature = sign("sha256", der, key).toString("binary");
}

/** A positive 16-byte serial (RFC 5280 §4.1.2.2: unique per CA, at most 20 octets, not negative). */
function randomSerial(): string {
  const bytes = forge.random.getBytesSync(16);
  return (
    (0x40 | (bytes.charCodeAt(0) & 0x3f)).toString(16).padStart(2, "0") +
    forge.util.bytesToHex(bytes.slice(1))
  );
}
