import { UserError } from "../lib/errors.ts";

/** Values for `{{a.b.c}}` placeholders: nested objects are addressed with dotted keys. */
export interface TemplateVars {
  [key: string]: string | number | boolean | TemplateVars;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * Replaces `{{port}}`, `{{provider.openai.url}}` style placeholders. An unknown placeholder is a
 * user mistake (a typo in a command's env or a config file), so it fails loudly instead of leaving
 * `{{...}}` in a URL that would only fail later and further away.
 */
export function renderTemplate(template: string, vars: TemplateVars, source = "template"): string {
  const unknown = new Set<string>();
  const out = template.replace(PLACEHOLDER, (whole, key: string) => {
    const value = lookup(vars, key);
    if (value === undefined) {
      unknown.add(key);
      return whole;
    }
    return String(value);
  });
  if (unknown.size > 0) {
    const known = knownKeys(vars);
    throw new UserError("TEMPLATE_UNKNOWN_PLACEHOLDER", {
      what: `Unknown placeholder ${[...unknown].map((k) => `{{${k}}}`).join(", ")} in ${source}`,
      why: `the known placeholders are ${known.length ? known.map((k) => `{{${k}}}`).join(", ") : "(none)"}`,
      fix: "Fix the placeholder's spelling or remove it.",
    });
  }
  return out;
}

/** Placeholder names a template uses, in order of first appearance. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

function lookup(vars: TemplateVars, key: string): string | number | boolean | undefined {
  // A flat key containing dots wins over nesting, so `{"provider.url": x}` works too.
  const flat = vars[key];
  if (flat !== undefined && typeof flat !== "object") return flat;
  let node: string | number | boolean | TemplateVars | undefined = vars;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node !== "object") return undefined;
    node = Object.hasOwn(node, part) ? node[part] : undefined;
  }
  return typeof node === "object" ? undefined : node;
}

function knownKeys(vars: TemplateVars, prefix = ""): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    const path = prefix + key;
    if (typeof value === "object") keys.push(...knownKeys(value, `${path}.`));
    else keys.push(path);
  }
  return keys.sort();
}
