import { describe, expect, it } from "vitest";
import type { OverviewRow } from "./api";
import { mergePresence } from "./presence";

const row = (adminId: string, state: string): OverviewRow => ({
  adminId, login: adminId, name: adminId, state, error: null, errorKind: null, lastSyncAt: null, messages: 3, quarantined: 0, silo: "127.0.0.1:11111",
});

describe("mergePresence", () => {
  it("updates a listed mailbox in place and keeps its counts", () => {
    const pages = [{ items: [row("a", "idle"), row("b", "idle")], next: null }];
    const { pages: merged, stale } = mergePresence(pages, [{ adminId: "b", state: "error", error: "refused", errorKind: "connect", lastSyncAt: null, silo: null }], "");
    expect(stale).toBe(false);
    expect(merged[0]!.items[1]).toMatchObject({ adminId: "b", state: "error", error: "refused", messages: 3, silo: null });
    expect(merged[0]!.items[0]).toBe(pages[0]!.items[0]);
  });

  it("asks for a fetch when a change leaves or joins the filtered state", () => {
    const pages = [{ items: [row("a", "error")], next: null }];
    expect(mergePresence(pages, [{ adminId: "a", state: "idle", error: null, errorKind: null, lastSyncAt: null, silo: "s" }], "error").stale).toBe(true);
    expect(mergePresence(pages, [{ adminId: "z", state: "error", error: "x", errorKind: "auth", lastSyncAt: null, silo: "s" }], "error").stale).toBe(true);
    expect(mergePresence(pages, [{ adminId: "z", state: "idle", error: null, errorKind: null, lastSyncAt: null, silo: "s" }], "error").stale).toBe(false);
  });

  it("asks for a fetch for a new mailbox only when the whole list is loaded", () => {
    const change = { adminId: "new", state: "connecting", error: null, errorKind: null, lastSyncAt: null, silo: "s" };
    expect(mergePresence([{ items: [row("a", "idle")], next: null }], [change], "").stale).toBe(true);
    expect(mergePresence([{ items: [row("a", "idle")], next: "cursor" }], [change], "").stale).toBe(false);
  });
});
