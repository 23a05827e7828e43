import { QueryClient } from "@tanstack/react-query";
import type { MailboxListItem, MailboxStatus } from "../api/types";
import { mailboxesKey } from "../features/inbox";
import { mailboxStatusKey, quarantineKey } from "../features/profile";
import { mailboxStatus } from "../test/mailboxStatus";
import { applyMailboxStatus, reconnectDelay } from "./live";

const status = mailboxStatus;

describe("the live channel", () => {
  it("puts a status push for the own mailbox into the status strip's cache", () => {
    const client = new QueryClient();
    client.setQueryData(mailboxStatusKey, status({ state: "connecting" }));
    applyMailboxStatus(client, "me", { mailboxId: "me", status: status({ state: "idle", messages: 3 }) });
    expect(client.getQueryData<MailboxStatus>(mailboxStatusKey)).toMatchObject({ state: "idle", messages: 3 });
  });

  it("keeps a status read later than the push that arrives", () => {
    const client = new QueryClient();
    client.setQueryData(mailboxStatusKey, status({ state: "idle", asOf: "2026-12-03T10:00:01.000Z" }));
    applyMailboxStatus(client, "me", { mailboxId: "me", status: status({ state: "syncing", asOf: "2026-12-03T10:00:00.500Z" }) });
    expect(client.getQueryData<MailboxStatus>(mailboxStatusKey)?.state).toBe("idle");
  });

  it("ignores the status of a delegated mailbox", () => {
    const client = new QueryClient();
    client.setQueryData(mailboxStatusKey, status({ state: "idle" }));
    applyMailboxStatus(client, "me", { mailboxId: "someone-else", status: status({ state: "error" }) });
    expect(client.getQueryData<MailboxStatus>(mailboxStatusKey)?.state).toBe("idle");
  });

  it("updates the state of a delegated mailbox in the mailbox list", () => {
    const client = new QueryClient();
    const list: MailboxListItem[] = [
      { adminId: "me", name: "Me", own: true, status: status({ state: "idle" }) },
      { adminId: "alice", name: "Alice", own: false, status: status({ state: "idle" }) },
    ];
    client.setQueryData(mailboxesKey, list);
    applyMailboxStatus(client, "me", { mailboxId: "alice", status: status({ state: "error", error: "refused" }) });
    const after = client.getQueryData<MailboxListItem[]>(mailboxesKey)!;
    expect(after.map((mailbox) => mailbox.status.state)).toEqual(["idle", "error"]);
  });

  it("refetches the quarantine when its count changes", () => {
    const client = new QueryClient();
    client.setQueryData(mailboxStatusKey, status({ quarantined: 0 }));
    client.setQueryData(quarantineKey, []);
    applyMailboxStatus(client, "me", { mailboxId: "me", status: status({ quarantined: 1 }) });
    expect(client.getQueryState(quarantineKey)?.isInvalidated).toBe(true);
  });

  it("retries quickly first, then every ten seconds without giving up", () => {
    expect([0, 1, 2, 3].map(reconnectDelay)).toEqual([0, 1000, 2000, 5000]);
    expect(reconnectDelay(50)).toBe(10_000);
  });
});
