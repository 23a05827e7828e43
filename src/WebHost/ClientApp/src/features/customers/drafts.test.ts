import { clearDraft, draftKey, loadDraft, repliesWithDrafts, saveDraft } from "./drafts";

describe("drafts", () => {
  beforeEach(() => localStorage.clear());

  it("are kept apart per customer and per message answered", () => {
    expect(draftKey("c1", null)).not.toBe(draftKey("c2", null));
    expect(draftKey("c1", null)).not.toBe(draftKey("c1", "m7"));
    saveDraft(localStorage, draftKey("c1", "m7"), { to: "a@x.test", subject: "Re: hi", text: "Thanks" });
    expect(loadDraft(localStorage, draftKey("c1", "m7"))).toEqual({ to: "a@x.test", subject: "Re: hi", text: "Thanks" });
    expect(loadDraft(localStorage, draftKey("c1", null))).toBeNull();
    expect(repliesWithDrafts(localStorage, "c1")).toEqual(["m7"]);
    expect(repliesWithDrafts(localStorage, "c2")).toEqual([]);
  });

  it("forget a draft without a message, and one that was sent or discarded", () => {
    const key = draftKey("c1", null);
    saveDraft(localStorage, key, { to: "a@x.test", subject: "Only a subject", text: "  " });
    expect(loadDraft(localStorage, key)).toBeNull();
    saveDraft(localStorage, key, { to: "a@x.test", subject: "s", text: "body" });
    clearDraft(localStorage, key);
    expect(loadDraft(localStorage, key)).toBeNull();
  });

  it("read a damaged entry as no draft", () => {
    localStorage.setItem(draftKey("c1", null), "{not json");
    expect(loadDraft(localStorage, draftKey("c1", null))).toBeNull();
  });
});
