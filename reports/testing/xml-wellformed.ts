/**
 * A small strict XML 1.0 reader for tests: no XML parser is installed and the JUnit reporter's
 * whole job is to be well-formed for CI parsers, so this rejects what they reject (illegal
 * characters even as references, bad entities, unbalanced or duplicate-attribute tags, stray `]]>`,
 * text outside the root) and returns a tiny DOM to count testcases with.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "XmlError";
  }
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function legalCode(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function checkChars(xml: string): void {
  let offset = 0;
  for (const ch of xml) {
    const code = ch.codePointAt(0) ?? 0;
    // A lone surrogate iterates as itself (0xd800-0xdfff), which legalCode rejects.
    if (!legalCode(code))
      throw new XmlError(`illegal character U+${code.toString(16).padStart(4, "0")}`, offset);
    offset += ch.length;
  }
}

function decode(raw: string, offset: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, body: string) => {
    if (!match.endsWith(";")) throw new XmlError(`unterminated entity "${match}"`, offset);
    if (body in PREDEFINED) return PREDEFINED[body] ?? "";
    const num = /^#x([0-9a-fA-F]+)$/.exec(body) ?? /^#([0-9]+)$/.exec(body);
    if (num?.[1]) {
      const code = Number.parseInt(num[1], body.startsWith("#x") ? 16 : 10);
      if (!legalCode(code))
        throw new XmlError(`character reference to illegal U+${code.toString(16)}`, offset);
      return String.fromCodePoint(code);
    }
    throw new XmlError(`unknown entity "${match}"`, offset);
  });
}

export function parseXml(xml: string): XmlElement {
  checkChars(xml);
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>");
    if (end < 0) throw new XmlError("unterminated XML declaration", 0);
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (text.length > 0) {
      if (text.includes("]]>")) throw new XmlError('"]]>" in text', i);
      const decoded = decode(text, i);
      const parent = stack[stack.length - 1];
      if (parent) parent.text += decoded;
      else if (decoded.trim() !== "") throw new XmlError("text outside the root element", i);
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i + 4);
      if (end < 0 || xml.slice(i + 4, end).includes("--")) throw new XmlError("bad comment", i);
      i = end + 3;
      continue;
    }
    if (xml.startsWith("<![CDATA[", i)) {
      const end = xml.indexOf("]]>", i);
      const parent = stack[stack.length - 1];
      if (end < 0 || !parent) throw new XmlError("bad CDATA section", i);
      parent.text += xml.slice(i + 9, end);
      i = end + 3;
      continue;
    }
    if (xml.startsWith("<?", i)) {
      const end = xml.indexOf("?>", i);
      if (end < 0) throw new XmlError("unterminated processing instruction", i);
      i = end + 2;
      continue;
    }
    if (xml.startsWith("</", i)) {
      const name = NAME.exec(xml.slice(i + 2))?.[0];
      const close = i + 2 + (name?.length ?? 0);
      const end = xml.indexOf(">", close);
      if (!name || end < 0 || xml.slice(close, end).trim() !== "") throw new XmlError("bad end tag", i);
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`</${name}> does not close <${open?.name}>`, i);
      i = end + 1;
      continue;
    }
    const name = NAME.exec(xml.slice(i + 1))?.[0];
    if (!name) throw new XmlError("bad start tag", i);
    if (!stack.length && root) throw new XmlError("second root element", i);
    const element: XmlElement = { name, attrs: {}, children: [], text: "" };
    i += 1 + name.length;
    for (;;) {
      const space = /^\s*/.exec(xml.slice(i))?.[0].length ?? 0;
      i += space;
      if (xml.startsWith("/>", i) || xml[i] === ">") break;
      if (space === 0) throw new XmlError("attributes must be separated by whitespace", i);
      const attr = /^([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(xml.slice(i));
      if (!attr?.[1]) throw new XmlError(`bad attribute in <${name}>`, i);
      if (attr[1] in element.attrs) throw new XmlError(`duplicate attribute ${attr[1]}`, i);
      element.attrs[attr[1]] = decode(attr[3] ?? attr[4] ?? "", i);
      i += attr[0].length;
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    if (xml.startsWith("/>", i)) {
      i += 2;
    } else {
      i += 1;
      stack.push(element);
    }
  }
  if (stack.length) throw new XmlError(`<${stack[stack.length - 1]?.name}> is never closed`, xml.length);
  if (!root) throw new XmlError("no root element", 0);
  return root;
}

/** Every descendant element with this name, depth first. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) out.push(child);
    out.push(...findAll(child, name));
  }
  return out;
}
