import { UserError } from "../../lib/errors.ts";
import { isCheckout } from "../../lib/package.ts";
import {
  BOX_IMAGE_ROLES,
  type BoxImageRole,
  computeImageTags,
  type ImageName,
  imageRef,
  LOCAL_TAG,
  OFFICIAL_TOXIPROXY_IMAGE,
} from "./images.ts";

export type ImageOverrides = Partial<Record<BoxImageRole, string>>;

export interface ResolvedImage {
  role: BoxImageRole;
  ref: string;
  /**
   * override: given in options or STREAMCHAOS_IMAGE_<ROLE>; official: the real Toxiproxy image;
   * current: built from this checkout's sources; stale: the `:local` alias of an older build.
   */
  source: "override" | "official" | "current" | "stale";
}

export interface ResolverDeps {
  exists(ref: string): Promise<boolean>;
  /** The content tags of this checkout's images; undefined in the installed package (no sources to hash). */
  tags(): Promise<Record<ImageName, string> | undefined>;
  env?: NodeJS.ProcessEnv;
}

/** `STREAMCHAOS_IMAGE_NODE_BACKEND` for `node-backend`. */
export function envOverrideName(role: BoxImageRole): string {
  return `STREAMCHAOS_IMAGE_${role.toUpperCase().replace(/-/g, "_")}`;
}

export function isBoxImageRole(name: string): name is BoxImageRole {
  return (BOX_IMAGE_ROLES as string[]).includes(name);
}

/**
 * Picks the image for a box: an explicit override; for toxiproxy the official image when it is
 * present; otherwise our image built from these sources (`:<hash>`), falling back to the `:local`
 * alias with `stale` so the caller can warn that the image runs older code than the checkout.
 */
export async function resolveImage(
  role: BoxImageRole,
  overrides: ImageOverrides,
  deps: ResolverDeps,
): Promise<ResolvedImage> {
  const env = deps.env ?? process.env;
  const override = overrides[role] ?? env[envOverrideName(role)];
  if (override) {
    if (!(await deps.exists(override))) {
      throw new UserError("DOCKER_IMAGE_MISSING", {
        what: `The ${role} image "${override}" is not present on this machine`,
        why: "no registry is reachable here, so images are never pulled",
        fix: `Build or load it (docker load -i FILE), or drop the override to use streamchaos's own (${envOverrideName(role)} or the runtime's images option).`,
      });
    }
    return { role, ref: override, source: "override" };
  }
  if (role === "toxiproxy" && (await deps.exists(OFFICIAL_TOXIPROXY_IMAGE))) {
    return { role, ref: OFFICIAL_TOXIPROXY_IMAGE, source: "official" };
  }
  const tags = await deps.tags();
  const current = tags && imageRef(role, tags[role]);
  if (current && (await deps.exists(current))) return { role, ref: current, source: "current" };
  const local = imageRef(role, LOCAL_TAG);
  if (await deps.exists(local)) return { role, ref: local, source: current ? "stale" : "current" };
  if (!current) {
    // The package ships compiled code, not the Dockerfiles, lockfile and sources the images are made
    // of: they are built from a clone, once per machine, and the package runs their `:local` tag.
    throw new UserError("DOCKER_IMAGE_MISSING", {
      what: `The ${role} image is not built on this machine`,
      why: `${local} does not exist; the docker runtime runs images built from a clone of streamchaos, and no registry is reachable to pull one`,
      fix: `In a clone of the streamchaos repository: bash scripts/setup.sh && npx tsx docker/build-images.ts (or set ${envOverrideName(role)} to an image of your own). Or run with --runtime local.`,
    });
  }
  throw new UserError("DOCKER_IMAGE_MISSING", {
    what: `The ${role} image is not built on this machine`,
    why: `neither ${current} (this checkout) nor ${local} exists, and no registry is reachable to pull one`,
    fix: `Build it: npx tsx docker/build-images.ts --only ${role}  (all images: npx tsx docker/build-images.ts)`,
  });
}

/** A resolver bound to one engine: tags computed once per process, lookups cached per ref. */
export function cachedDeps(exists: (ref: string) => Promise<boolean>): ResolverDeps {
  let tags: Promise<Record<ImageName, string> | undefined> | undefined;
  const seen = new Map<string, Promise<boolean>>();
  return {
    exists(ref) {
      let known = seen.get(ref);
      if (!known) {
        known = exists(ref);
        seen.set(ref, known);
      }
      return known;
    },
    tags() {
      tags ??= isCheckout() ? computeImageTags() : Promise.resolve(undefined);
      return tags;
    },
  };
}
