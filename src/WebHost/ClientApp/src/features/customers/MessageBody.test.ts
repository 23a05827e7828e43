import { frameDocument, frameHeight } from "./MessageBody";

describe("the message frame's document", () => {
  it("escapes a text body and keeps its line breaks", () => {
    const doc = frameDocument(null, "a < b & <script>alert(1)</script>\nnext line");
    expect(doc).toContain("a &lt; b &amp; &lt;script&gt;alert(1)&lt;/script&gt;<br>next line");
    expect(doc).not.toContain("<script>");
  });

  it("lets nothing remote in, whatever the HTML asks for", () => {
    expect(frameDocument("<p>Hi</p>", null)).toContain(`content="default-src 'none'; img-src data:"`);
  });

  it("is tall enough for a short message and scrolls a long one", () => {
    expect(frameHeight(null, "one line")).toBeGreaterThanOrEqual(72);
    expect(frameHeight(null, "line\n".repeat(500))).toBe(480);
  });
});
