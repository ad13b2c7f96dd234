import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PACKAGE_ROOT } from "../../lib/package.ts";

/**
 * The images the docker runtime runs, and how their tags are derived. No registry is reachable on
 * the machines this project runs on, so every image is built locally (`docker/build-images.ts`) from a
 * debootstrapped Debian rootfs. Tags are content-addressed: the tag is a hash of everything that went
 * into the image, so a stale image (built from older sources) is never mistaken for a current one.
 */

/** The checkout the images are built from (the installed package has no Dockerfiles: see image-resolver). */
export const REPO_ROOT = PACKAGE_ROOT;

/** Debian suite and packages baked into `streamchaos/base` (nothing is apt-installed inside a build). */
export const BASE_SUITE = "bookworm";
export const BASE_VARIANT = "minbase";
export const BASE_PACKAGES = [
  "ca-certificates",
  "caddy",
  // The host's node binary is copied in; it links libstdc++ and libgcc_s.
  "libstdc++6",
  "nginx-light",
  "python3-fastapi",
  "python3-httpx",
  "python3-uvicorn",
] as const;

/** Project folders copied into `streamchaos/app` (tests are left out: editing a test must not rebuild). */
export const APP_SOURCE_DIRS = [
  "bin",
  "cli",
  "lib",
  "runtime",
  "fakes",
  "proxies",
  "harness",
  "scenarios",
  "reports",
  "examples",
];
export const APP_SOURCE_FILES = ["package.json", "package-lock.json", "tsconfig.json"];

export type BoxImageRole = "nginx" | "caddy" | "toxiproxy" | "fake" | "node-backend" | "fastapi-backend";
export type ImageName = "base" | "node" | "app" | BoxImageRole;

export interface ImageDefinition {
  name: ImageName;
  repository: string;
  /** The image it is built FROM (`base` is imported from a rootfs tarball instead). */
  parent?: ImageName;
  /** Dockerfile under docker/ (none for base). */
  dockerfile?: string;
  /** Extra project paths (relative to the repo) whose content goes into the image and the hash. */
  inputs?: string[];
  /** Files copied to the build context's root by file name (helper scripts the Dockerfile COPYs). */
  contextFiles?: string[];
  /** Project files the image cannot run without (the example it serves): missing ones skip the image. */
  requires?: string[];
  summary: string;
}

const definitions: ImageDefinition[] = [
  {
    name: "base",
    repository: "streamchaos/base",
    summary: "debootstrap bookworm minbase + nginx, caddy, python3 fastapi/uvicorn/httpx",
  },
  // Node and node_modules (170 MB) change rarely, the sources often: two images, so that a source edit
  // sends a build context of a few hundred KB instead of re-hashing all of node_modules (~45 s).
  {
    name: "node",
    repository: "streamchaos/node",
    parent: "base",
    dockerfile: "docker/node.Dockerfile",
    summary: "base + the host's node binary + production node_modules",
  },
  {
    name: "app",
    repository: "streamchaos/app",
    parent: "node",
    dockerfile: "docker/app.Dockerfile",
    summary: "node + the project's sources (tests left out)",
  },
  {
    name: "nginx",
    repository: "streamchaos/nginx",
    parent: "base",
    dockerfile: "docker/nginx.Dockerfile",
    summary: "nginx-light, config copied in by the runtime",
  },
  {
    name: "caddy",
    repository: "streamchaos/caddy",
    parent: "base",
    dockerfile: "docker/caddy.Dockerfile",
    summary: "caddy, Caddyfile copied in by the runtime",
  },
  {
    name: "toxiproxy",
    repository: "streamchaos/toxiproxy",
    parent: "app",
    dockerfile: "docker/toxiproxy.Dockerfile",
    contextFiles: ["docker/warm.sh"],
    summary: "the embedded Toxiproxy-compatible server (`streamchaos toxiproxy`)",
  },
  {
    name: "fake",
    repository: "streamchaos/fake",
    parent: "app",
    dockerfile: "docker/fake.Dockerfile",
    contextFiles: ["docker/warm.sh"],
    summary: "the fake providers (`streamchaos fake`)",
  },
  {
    name: "node-backend",
    repository: "streamchaos/node-backend",
    parent: "app",
    dockerfile: "docker/node-backend.Dockerfile",
    contextFiles: ["docker/warm.sh"],
    requires: ["examples/node-backend/server.ts"],
    summary: "examples/node-backend",
  },
  {
    name: "fastapi-backend",
    repository: "streamchaos/fastapi-backend",
    parent: "base",
    dockerfile: "docker/fastapi-backend.Dockerfile",
    inputs: ["examples/fastapi-backend"],
    requires: ["examples/fastapi-backend/app.py"],
    summary: "examples/fastapi-backend on Debian's python3-fastapi/uvicorn",
  },
];

export const IMAGES: Readonly<Record<ImageName, ImageDefinition>> = Object.fromEntries(
  definitions.map((d) => [d.name, d]),
) as Record<ImageName, ImageDefinition>;

/** Build order: every image after its parent. */
export const IMAGE_ORDER: ImageName[] = definitions.map((d) => d.name);

export const BOX_IMAGE_ROLES: BoxImageRole[] = [
  "nginx",
  "caddy",
  "toxiproxy",
  "fake",
  "node-backend",
  "fastapi-backend",
];

/** The stable alias the last build points at: what the runtime falls back to when sources moved on. */
export const LOCAL_TAG = "local";

/**
 * The official Toxiproxy image, preferred over our compatible one when it is present locally (loaded
 * from a tarball, say): it is the reference implementation. Pinned: a floating tag would let two
 * machines judge with different servers.
 */
export const OFFICIAL_TOXIPROXY_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0";

export function hashParts(parts: Array<string | Buffer>): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    const buffer = typeof part === "string" ? Buffer.from(part) : part;
    // Length-prefixed so that ["ab","c"] and ["a","bc"] hash differently.
    hash.update(`${buffer.length}:`);
    hash.update(buffer);
  }
  return hash.digest("hex").slice(0, 12);
}

/** Files under `dir` (relative to the repo), sorted, skipping tests and dot/node_modules folders. */
export async function listInputFiles(root: string, dir: string): Promise<string[]> {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  const entries = await readdir(absolute, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join("/");
    if (isExcludedInput(path)) continue;
    files.push(path);
  }
  return files.sort();
}

export function isExcludedInput(path: string): boolean {
  const parts = path.split("/");
  if (parts.some((p) => p === "node_modules" || p === "__pycache__" || (p.startsWith(".") && p.length > 1)))
    return true;
  return /\.test\.ts$/.test(path) || /\.pyc$/.test(path);
}

/** Production packages from package-lock.json (`dev: true` entries left out), as installed paths. */
export function productionPackages(
  lock: { packages?: Record<string, { dev?: boolean; version?: string; integrity?: string }> },
  modulesRoot: string,
): string[] {
  const paths: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === "" || entry.dev) continue;
    // Optional platform packages (esbuild's other platforms) are in the lock but not on disk.
    if (!existsSync(join(modulesRoot, path))) continue;
    paths.push(path);
  }
  // Nested packages travel with their parent folder.
  return paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`))).sort();
}

function lockLine(
  lock: { packages?: Record<string, { version?: string; integrity?: string }> },
  path: string,
): string {
  const entry = lock.packages?.[path];
  return `${path}@${entry?.version ?? "?"} ${entry?.integrity ?? ""}`;
}

export interface ImageInputs {
  /** Extra parts for this image only (file contents, versions). */
  parts: Array<string | Buffer>;
  /** Files (relative to the repo) that the build copies in. */
  files: string[];
}

/**
 * What goes into each image besides its parent and Dockerfile: the hash covers exactly this. `root` is
 * where the project files are read (the repo, or the build's snapshot of it); `modulesRoot` is where
 * node_modules is installed.
 */
export async function imageInputs(
  name: ImageName,
  root = REPO_ROOT,
  modulesRoot = REPO_ROOT,
): Promise<ImageInputs> {
  const def = IMAGES[name];
  if (name === "base") {
    return { parts: [BASE_SUITE, BASE_VARIANT, ...BASE_PACKAGES], files: [] };
  }
  if (name === "node") {
    const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8"));
    return {
      // The node binary is the host's; its version (and arch) stands for its content, and the lock's
      // resolved versions for node_modules.
      parts: [
        `node ${process.version} ${process.arch}`,
        ...productionPackages(lock, modulesRoot).map((p) => lockLine(lock, p)),
      ],
      files: [],
    };
  }
  if (name === "app") {
    const files = [...APP_SOURCE_FILES.filter((f) => existsSync(join(root, f)))];
    for (const dir of APP_SOURCE_DIRS) files.push(...(await listInputFiles(root, dir)));
    return { parts: [], files };
  }
  const files: string[] = [];
  for (const input of def.inputs ?? []) files.push(...(await listInputFiles(root, input)));
  return { parts: [], files };
}

/** The content-addressed tag of every image, parents first (a parent's hash feeds its children's). */
export async function computeImageTags(
  root = REPO_ROOT,
  modulesRoot = REPO_ROOT,
): Promise<Record<ImageName, string>> {
  const tags = {} as Record<ImageName, string>;
  for (const name of IMAGE_ORDER) {
    const def = IMAGES[name];
    const inputs = await imageInputs(name, root, modulesRoot);
    const parts: Array<string | Buffer> = [name, ...inputs.parts];
    if (def.parent) parts.push(`parent ${tags[def.parent]}`);
    if (def.dockerfile) parts.push(await readFile(join(root, def.dockerfile)));
    for (const file of def.contextFiles ?? []) parts.push(file, await readFile(join(root, file)));
    for (const file of inputs.files) parts.push(file, await readFile(join(root, file)));
    tags[name] = hashParts(parts);
  }
  return tags;
}

/** Project paths an image cannot be built without (the example it runs); missing ones skip the image. */
export function missingInputs(name: ImageName, root = REPO_ROOT): string[] {
  return (IMAGES[name].requires ?? []).filter((path) => !existsSync(join(root, path)));
}

/** Every project file the images read (sources, lockfile, Dockerfiles): what a build snapshots. */
export async function allInputFiles(root = REPO_ROOT): Promise<string[]> {
  const files = new Set<string>();
  for (const name of IMAGE_ORDER) {
    for (const file of (await imageInputs(name, root)).files) files.add(file);
    const dockerfile = IMAGES[name].dockerfile;
    if (dockerfile) files.add(dockerfile);
    for (const file of IMAGES[name].contextFiles ?? []) files.add(file);
  }
  files.add("package-lock.json");
  return [...files].sort();
}

export function imageRef(name: ImageName, tag: string): string {
  return `${IMAGES[name].repository}:${tag}`;
}
