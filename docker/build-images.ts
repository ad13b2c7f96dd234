/**
 * Builds the docker runtime's images with no registry: `npx tsx docker/build-images.ts`.
 *
 *   base  debootstrap --variant=minbase bookworm + BASE_PACKAGES -> `docker import`
 *   node  FROM base: the host's node binary and production node_modules
 *   app   FROM node: the project's sources (tests left out)
 *   nginx, caddy, fastapi-backend FROM base; toxiproxy, fake, node-backend FROM app
 *
 * Every image is tagged `<repository>:<hash12>` (a hash of its inputs, see
 * runtime/docker/images.ts) and `<repository>:local`. An image whose hash tag exists is not
 * rebuilt, so running this twice costs a few hundred milliseconds.
 *
 * Flags: --only a,b (these images and whatever they need), --force (rebuild even when present),
 *        --print-tags (print the tags this checkout wants and exit), --keep-old (do not remove older
 *        builds of our images; by default they are removed once this build is tagged).
 * Env:   STREAMCHAOS_DEBIAN_MIRROR (default: debootstrap's own), STREAMCHAOS_ROOTFS_CACHE (a folder where
 *        the base rootfs tarball is kept between runs: CI caches it to skip debootstrap).
 */
import { existsSync, rmSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { $ } from "zx";
import { now } from "../lib/clock.ts";
import {
  allInputFiles,
  BASE_PACKAGES,
  BASE_SUITE,
  BASE_VARIANT,
  computeImageTags,
  IMAGE_ORDER,
  IMAGES,
  type ImageName,
  imageInputs,
  imageRef,
  LOCAL_TAG,
  missingInputs,
  productionPackages,
  REPO_ROOT,
} from "../runtime/docker/images.ts";

$.verbose = false;
$.quiet = true;

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    force: { type: "boolean", default: false },
    "print-tags": { type: "boolean", default: false },
    "keep-old": { type: "boolean", default: false },
  },
  strict: true,
});

// Other people edit the tree while images build: snapshot the inputs once, then hash and copy from the
// snapshot, so a tag always names exactly the content that went into its image.
const snapshot = await mkdtemp(join(tmpdir(), "streamchaos-snapshot-"));
process.on("exit", () => rmSync(snapshot, { recursive: true, force: true }));
for (const file of await allInputFiles()) {
  await mkdir(dirname(join(snapshot, file)), { recursive: true });
  await copyFile(join(REPO_ROOT, file), join(snapshot, file));
}
const tags = await computeImageTags(snapshot, REPO_ROOT);

if (values["print-tags"]) {
  for (const name of IMAGE_ORDER) console.log(imageRef(name, tags[name]));
  process.exit(0);
}

const wanted = selectImages(values.only);
const forcedNames = new Set((values.only ?? "").split(",").map((s) => s.trim()));
const figures: Array<{ image: string; ms: number; action: string }> = [];
const startedAt = now();

try {
  await $`docker version --format {{.Server.Version}}`;
} catch {
  console.error("build-images: no Docker engine answers. Run docker/ensure-engine.sh first (as root).");
  process.exit(2);
}

for (const name of IMAGE_ORDER) {
  if (!wanted.has(name)) continue;
  const ref = imageRef(name, tags[name]);
  const missing = missingInputs(name, snapshot);
  if (missing.length > 0) {
    console.log(
      `build-images: skipping ${IMAGES[name].repository}: ${missing.join(", ")} not in this checkout`,
    );
    figures.push({ image: IMAGES[name].repository, ms: 0, action: "skipped" });
    continue;
  }
  const t0 = now();
  // --force rebuilds what was asked for, not the parents --only pulled in (the base costs a minute).
  const forced = values.force && (values.only === undefined || forcedNames.has(name));
  if (!forced && (await imageExists(ref))) {
    await $`docker tag ${ref} ${imageRef(name, LOCAL_TAG)}`;
    figures.push({ image: ref, ms: now() - t0, action: "present" });
    continue;
  }
  console.log(`build-images: building ${ref} (${IMAGES[name].summary})`);
  if (name === "base") await buildBase(ref);
  else await buildFromDockerfile(name, ref);
  await $`docker tag ${ref} ${imageRef(name, LOCAL_TAG)}`;
  figures.push({ image: ref, ms: now() - t0, action: "built" });
}

// Older builds of our images (other hashes) only take disk: each source edit leaves one app layer
// behind. An image a running container still uses is kept (docker refuses; that is fine).
if (!values["keep-old"]) {
  const wantedRefs = new Set(
    IMAGE_ORDER.flatMap((name) => [imageRef(name, tags[name]), imageRef(name, LOCAL_TAG)]),
  );
  const repositories = new Set(IMAGE_ORDER.map((name) => IMAGES[name].repository));
  const listed = await $`docker images --format {{.Repository}}:{{.Tag}}`;
  const old = listed.stdout
    .split("\n")
    .filter((ref) => repositories.has(ref.split(":")[0] ?? "") && !wantedRefs.has(ref));
  let removed = 0;
  for (const ref of old) if ((await $`docker rmi ${ref}`.nothrow()).exitCode === 0) removed++;
  if (removed > 0)
    console.log(`build-images: removed ${removed} older build(s) of our images (--keep-old keeps them)`);
}

for (const f of figures)
  console.log(`  ${f.action.padEnd(8)} ${f.image.padEnd(42)} ${(f.ms / 1000).toFixed(1)} s`);
console.log(`build-images: done in ${((now() - startedAt) / 1000).toFixed(1)} s`);

function selectImages(only: string | undefined): Set<ImageName> {
  if (!only) return new Set(IMAGE_ORDER);
  const selected = new Set<ImageName>();
  for (const raw of only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(raw in IMAGES)) {
      console.error(`build-images: unknown image "${raw}"; known: ${IMAGE_ORDER.join(", ")}`);
      process.exit(2);
    }
    // An image needs its parents.
    for (let name: ImageName | undefined = raw as ImageName; name; name = IMAGES[name].parent)
      selected.add(name);
  }
  return selected;
}

async function imageExists(ref: string): Promise<boolean> {
  const result = await $`docker image inspect --format {{.Id}} ${ref}`.nothrow();
  return result.exitCode === 0;
}

async function buildBase(ref: string): Promise<void> {
  const cacheDir = process.env.STREAMCHAOS_ROOTFS_CACHE;
  const cached = cacheDir ? join(cacheDir, `${ref.replace(/[/:]/g, "_")}.tar`) : undefined;
  if (cached && existsSync(cached)) {
    console.log(`build-images: importing cached rootfs ${cached}`);
    await importTar(cached, ref);
    return;
  }
  const work = await mkdtemp(join(tmpdir(), "streamchaos-rootfs-"));
  try {
    const rootfs = join(work, "rootfs");
    const mirror = process.env.STREAMCHAOS_DEBIAN_MIRROR;
    const t0 = now();
    const debootstrap =
      await $`debootstrap --variant=${BASE_VARIANT} --include=${BASE_PACKAGES.join(",")} ${BASE_SUITE} ${rootfs} ${mirror ? [mirror] : []}`.nothrow();
    if (debootstrap.exitCode !== 0) {
      console.error(debootstrap.stdout.split("\n").slice(-20).join("\n"));
      console.error(debootstrap.stderr);
      throw new Error(`debootstrap failed with exit code ${debootstrap.exitCode}`);
    }
    console.log(`build-images: debootstrap took ${((now() - t0) / 1000).toFixed(1)} s`);
    // What the running boxes never read: downloaded .debs, apt lists, docs, man pages.
    await $`rm -rf ${rootfs}/var/cache/apt/archives ${rootfs}/var/lib/apt/lists ${rootfs}/usr/share/doc ${rootfs}/usr/share/man ${rootfs}/usr/share/info`;
    await mkdir(join(rootfs, "var/cache/apt/archives/partial"), { recursive: true });
    const tar = cached ?? join(work, "rootfs.tar");
    if (cached) await mkdir(dirname(cached), { recursive: true });
    // proc, sys and dev are the engine's to provide; debootstrap mounted some of them while it ran.
    await $`tar -C ${rootfs} --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -cf ${tar} .`;
    await importTar(tar, ref);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function importTar(tar: string, ref: string): Promise<void> {
  await $`docker import --change ${"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"} --change ${"LABEL dev.streamchaos.image=base"} ${tar} ${ref}`;
}

async function buildFromDockerfile(name: ImageName, ref: string): Promise<void> {
  const def = IMAGES[name];
  const context = await mkdtemp(join(tmpdir(), `streamchaos-build-${name}-`));
  try {
    await copyFile(join(snapshot, def.dockerfile!), join(context, "Dockerfile"));
    for (const file of def.contextFiles ?? [])
      await copyFile(join(snapshot, file), join(context, basename(file)));
    if (name === "node") await stageNode(context);
    else {
      for (const file of (await imageInputs(name, snapshot)).files) {
        await mkdir(dirname(join(context, "project", file)), { recursive: true });
        await copyFile(join(snapshot, file), join(context, "project", file));
      }
    }
    const parent = imageRef(def.parent!, tags[def.parent!]);
    const result =
      await $`docker build --build-arg BASE=${parent} --label dev.streamchaos.image=${name} -t ${ref} ${context}`.nothrow();
    if (result.exitCode !== 0) {
      console.error(result.stdout.split("\n").slice(-30).join("\n"));
      console.error(result.stderr);
      throw new Error(`docker build of ${ref} failed with exit code ${result.exitCode}`);
    }
    for (const line of result.stdout.split("\n"))
      if (line.startsWith("warm:")) console.log(`  ${name}: ${line}`);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function stageNode(context: string): Promise<void> {
  await copyFile(process.execPath, join(context, "node"));
  const lock = JSON.parse(await readFile(join(snapshot, "package-lock.json"), "utf8"));
  // node_modules/.bin links are left out: the images call node with explicit entry points.
  for (const pkg of productionPackages(lock, REPO_ROOT)) {
    await cp(join(REPO_ROOT, pkg), join(context, pkg), { recursive: true, verbatimSymlinks: true });
  }
  await mkdir(join(context, "node_modules"), { recursive: true });
}
