import type { MessageSummary } from "../../api/types";
import {
  addWaiting,
  arrivedMeanwhile,
  fileSize,
  filtersFromParams,
  insertMessages,
  matchesFilters,
  placeReceived,
  removeMessage,
  replaceMessage,
  rowsOf,
  withFilter,
  type Pages,
} from "./liveList";

const message = (id: string, date: string, extra: Partial<MessageSummary> = {}): MessageSummary => ({
  id,
  mailboxId: "m1",
  direction: "in",
  from: { address: `${id}@example.test`, name: null },
  to: [],
  subject: `Subject ${id}`,
  date,
  snippet: null,
  customerId: null,
  authorFound: false,
  hasAttachments: false,
  ...extra,
});

const pages = (...lists: [MessageSummary[], string | null][]): Pages => ({
  pages: lists.map(([items, next]) => ({ items, next })),
  pageParams: lists.map((_, index) => (index === 0 ? null : `c${index}`)),
});

const ids = (data: Pages | undefined) => rowsOf(data).map((item) => item.id);

describe("live messages merged into the loaded pages", () => {
  const loaded = pages([[message("c", "2026-03-03T10:00:00Z"), message("b", "2026-03-02T10:00:00Z")], "cur"], [[message("a", "2026-03-01T10:00:00Z")], "cur2"]);

  it("puts a new message at the top of the first page", () => {
    expect(ids(insertMessages(loaded, [message("d", "2026-03-04T10:00:00Z")]))).toEqual(["d", "c", "b", "a"]);
  });

  it("never adds a message twice, and leaves one older than everything loaded to the page that holds it", () => {
    expect(ids(insertMessages(loaded, [message("c", "2026-03-03T10:00:00Z")]))).toEqual(["c", "b", "a"]);
    expect(ids(insertMessages(loaded, [message("z", "2020-01-01T00:00:00Z")]))).toEqual(["c", "b", "a"]);
    const complete = pages([[message("b", "2026-03-02T10:00:00Z")], null]);
    expect(ids(insertMessages(complete, [message("z", "2020-01-01T00:00:00Z")]))).toEqual(["b", "z"]);
  });

  it("keeps each message once when a later page brings back one that arrived live", () => {
    const overlapping = pages([[message("d", "2026-03-04T10:00:00Z"), message("c", "2026-03-03T10:00:00Z")], "cur"], [[message("c", "2026-03-03T10:00:00Z"), message("b", "2026-03-02T10:00:00Z")], null]);
    expect(ids(overlapping)).toEqual(["d", "c", "b"]);
  });

  it("replaces a changed message where it is, and takes out a removed one", () => {
    const paired = replaceMessage(loaded, message("b", "2026-03-02T10:00:00Z", { authorFound: true, customerId: "k1" }));
    expect(ids(paired)).toEqual(["c", "b", "a"]);
    expect(rowsOf(paired)[1]?.authorFound).toBe(true);
    expect(ids(removeMessage(loaded, "a"))).toEqual(["c", "b"]);
    expect(removeMessage(loaded, "unknown")).toBe(loaded);
  });
});

describe("filters applied to live messages", () => {
  const none = { q: "", author: "all" as const, from: "", to: "" };
  it("matches author and period as the server does, and asks the server about text", () => {
    const unknownAuthor = message("x", "2026-03-10T23:30:00Z");
    expect(matchesFilters(unknownAuthor, none)).toBe(true);
    expect(matchesFilters(unknownAuthor, { ...none, author: "known" })).toBe(false);
    expect(matchesFilters(unknownAuthor, { ...none, author: "unknown" })).toBe(true);
    expect(matchesFilters(unknownAuthor, { ...none, to: "2026-03-10" })).toBe(true);
    expect(matchesFilters(unknownAuthor, { ...none, to: "2026-03-09" })).toBe(false);
    expect(matchesFilters(unknownAuthor, { ...none, from: "2026-03-11" })).toBe(false);
    expect(matchesFilters(unknownAuthor, { ...none, q: "router" })).toBeUndefined();
    expect(matchesFilters(unknownAuthor, { ...none, author: "known", q: "router" })).toBe(false);
  });
});

describe("the new-messages counter", () => {
  it("lets new mail into the list only at the top and when not reading", () => {
    expect(placeReceived(true, false)).toBe("list");
    expect(placeReceived(false, false)).toBe("waiting");
    expect(placeReceived(true, true)).toBe("waiting");
  });

  it("counts each waiting message once", () => {
    let waiting: MessageSummary[] = [];
    waiting = addWaiting(waiting, message("a", "2026-03-01T10:00:00Z"));
    waiting = addWaiting(waiting, message("b", "2026-03-02T10:00:00Z"));
    waiting = addWaiting(waiting, message("a", "2026-03-01T10:00:00Z"));
    expect(waiting.map((item) => item.id)).toEqual(["b", "a"]);
  });

  it("after a reconnect, counts what the reader had not seen", () => {
    const after = [message("e", "2026-03-05T10:00:00Z"), message("d", "2026-03-04T10:00:00Z"), message("c", "2026-03-03T10:00:00Z")];
    expect(arrivedMeanwhile(new Set(["c"]), "2026-03-03T10:00:00Z", after)).toBe(2);
    expect(arrivedMeanwhile(new Set(["c", "d", "e"]), "2026-03-05T10:00:00Z", after)).toBe(0);
  });
});

describe("filters in the address", () => {
  it("reads the filters, ignoring what is not one", () => {
    expect(filtersFromParams(new URLSearchParams("q=router&author=unknown&from=2026-01-01&to=2026-01-31"))).toEqual({
      q: "router",
      author: "unknown",
      from: "2026-01-01",
      to: "2026-01-31",
    });
    expect(filtersFromParams(new URLSearchParams("author=everyone&from=yesterday"))).toEqual({ q: "", author: "all", from: "", to: "" });
  });

  it("leaves defaults out of the address", () => {
    const params = withFilter(new URLSearchParams("q=router"), "author", "unknown");
    expect(params.toString()).toBe("q=router&author=unknown");
    expect(withFilter(params, "author", "all").toString()).toBe("q=router");
    expect(withFilter(params, "q", "").toString()).toBe("author=unknown");
  });
});

describe("attachment sizes", () => {
  it("are said in bytes, KB or MB", () => {
    expect(fileSize(512)).toBe("512 bytes");
    expect(fileSize(14 * 1024)).toBe("14 KB");
    expect(fileSize(2.34 * 1024 * 1024)).toBe("2.3 MB");
  });
});
