import { UserError } from "./errors.ts";

/**
 * A dependency that only one feature needs (testcontainers for `--runtime docker`, playwright-core
 * for `--client browser`) is an optional peer of the package: npm does not install it by default,
 * so the feature imports it when it is asked for and says how to install it when it is not there.
 */
export interface OptionalPackage {
  /** The package name, as npm knows it. */
  name: string;
  /** The version range this release is tested with, e.g. "11.14". */
  version: string;
  /** What needs it, e.g. "--runtime docker". */
  feature: string;
  /** What to do instead, e.g. "or run with --runtime local". */
  otherwise?: string;
}

/** Whether `error` says that `name` itself (not a file inside it) could not be found. */
export function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return (
    typeof message === "string" &&
    new RegExp(`['"]${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}['"/]`).test(message)
  );
}

export function missingPackageError(pkg: OptionalPackage, cause?: unknown): UserError {
  return new UserError("DEPENDENCY_MISSING", {
    what: `${pkg.feature} needs the npm package ${pkg.name}, which is not installed`,
    why: `it is an optional peer dependency of streamchaos: npm installs it only when asked`,
    fix: `Install ${pkg.name}@${pkg.version} to use ${pkg.feature}: npm i -D ${pkg.name}@${pkg.version}${pkg.otherwise ? ` (${pkg.otherwise})` : ""}.`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Runs `load` (an import that reaches `pkg`); a missing `pkg` becomes a UserError saying how to install it. */
export async function importOptional<T>(pkg: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, pkg.name)) throw missingPackageError(pkg, error);
    throw error;
  }
}

/** Whether `name` resolves from streamchaos's own location, where npm puts a peer dependency. */
export function isInstalled(name: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}
