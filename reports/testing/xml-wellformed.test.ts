import { describe, expect, it } from "vitest";
import { findAll, parseXml } from "./xml-wellformed.ts";

// The JUnit tests lean on this reader, so it must reject what real CI parsers reject.
describe("parseXml", () => {
  it("reads nested elements, attributes and entities", () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2"><b>t &lt;&#x41;</b><b/></a>\n');
    expect(root.attrs.x).toBe("1 & 2");
    expect(findAll(root, "b")).toHaveLength(2);
    expect(root.children[0]?.text).toBe("t <A");
  });

  it.each([
    ["raw ESC", "<a>\u001b</a>"],
    ["NUL", "<a>\u0000</a>"],
    ["reference to a control char", "<a>&#x1b;</a>"],
    ["lone surrogate", "<a>\ud800</a>"],
    ["bare ampersand", "<a>a & b</a>"],
    ["unknown entity", "<a>&nbsp;</a>"],
    ["raw < in an attribute", '<a x="<"/>'],
    ["CDATA terminator in text", "<a>]]></a>"],
    ["unclosed element", "<a><b></a>"],
    ["mismatched end tag", "<a></b>"],
    ["duplicate attribute", '<a x="1" x="2"/>'],
    ["two roots", "<a/><b/>"],
    ["text outside the root", "<a/>x"],
    ["unquoted attribute", "<a x=1/>"],
  ])("rejects %s", (_, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
