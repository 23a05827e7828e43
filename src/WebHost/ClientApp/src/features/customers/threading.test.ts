import { buildThreads, normaliseMessageId, replySubject, type Threadable } from "./threading";

const message = (id: string, date: string, messageId: string | null, inReplyTo: string | null = null, references: string[] = []): Threadable => ({
  id,
  date,
  messageId,
  inReplyTo,
  references,
});

const shape = (nodes: ReturnType<typeof buildThreads<Threadable>>): unknown => nodes.map((node) => [node.item.id, shape(node.replies)]);

describe("threading the conversation", () => {
  it("puts a reply under the message it answers, matching Message-IDs with or without brackets and in any case", () => {
    const threads = buildThreads([
      message("2", "2026-01-02T10:00:00Z", "<B@x>", "<a@X>"),
      message("1", "2026-01-01T10:00:00Z", "a@x"),
    ]);
    expect(shape(threads)).toEqual([["1", [["2", []]]]]);
  });

  it("finds the parent through References when In-Reply-To names a message that is not loaded", () => {
    const threads = buildThreads([
      message("1", "2026-01-01T10:00:00Z", "<root@x>"),
      message("3", "2026-01-03T10:00:00Z", "<c@x>", "<missing@x>", ["<root@x>", "<missing@x>"]),
    ]);
    expect(shape(threads)).toEqual([["1", [["3", []]]]]);
  });

  it("orders threads by their latest message and replies oldest first", () => {
    const threads = buildThreads([
      message("old", "2026-01-01T00:00:00Z", "<old@x>"),
      message("new", "2026-01-05T00:00:00Z", "<new@x>"),
      message("r2", "2026-01-09T00:00:00Z", "<r2@x>", "<old@x>"),
      message("r1", "2026-01-08T00:00:00Z", "<r1@x>", "<old@x>"),
    ]);
    expect(shape(threads)).toEqual([
      ["old", [["r1", []], ["r2", []]]],
      ["new", []],
    ]);
  });

  it("shows a reply whose parent is unknown, and a loop of replies, as roots rather than losing them", () => {
    const threads = buildThreads([
      message("orphan", "2026-01-01T00:00:00Z", "<o@x>", "<nowhere@x>"),
      message("a", "2026-01-02T00:00:00Z", "<a@x>", "<b@x>"),
      message("b", "2026-01-03T00:00:00Z", "<b@x>", "<a@x>"),
    ]);
    const ids = JSON.stringify(shape(threads));
    for (const id of ["orphan", "a", "b"]) expect(ids).toContain(`"${id}"`);
  });

  it("keeps one copy of an item loaded twice (a page fetched again)", () => {
    const first = message("1", "2026-01-01T00:00:00Z", "<a@x>");
    expect(buildThreads([first, first])).toHaveLength(1);
  });

  it("normalises Message-IDs and writes one Re: before a subject", () => {
    expect(normaliseMessageId(" <Abc@Host> ")).toBe("abc@host");
    expect(normaliseMessageId("")).toBeNull();
    expect(replySubject("Re: RE: Your bill")).toBe("Re: Your bill");
    expect(replySubject(null)).toBe("Re: (no subject)");
  });
});
