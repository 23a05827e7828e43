import type { MailboxListItem } from "../../api/types";
import { mailboxStatus } from "../../test/mailboxStatus";
import { inboxQuery } from "./api";
import { orderMailboxes, shortDate } from "./mailboxOrder";

const mailbox = (adminId: string, name: string, own: boolean): MailboxListItem => ({
  adminId,
  name,
  own,
  status: mailboxStatus(),
});

describe("the mailbox switcher", () => {
  it("lists the own mailbox first, then the delegated ones by owner name", () => {
    const ordered = orderMailboxes([mailbox("3", "Zoe", false), mailbox("1", "Me", true), mailbox("2", "Alice", false)]);
    expect(ordered.map((item) => item.name)).toEqual(["Me", "Alice", "Zoe"]);
  });
});

describe("the inbox request", () => {
  it("passes only the filters that are set, and the cursor of the next page", () => {
    expect(inboxQuery("a1", { q: "", author: "all", from: "", to: "" }, null)).toBe("/api/mailboxes/a1/messages?limit=50");
    expect(inboxQuery("a 1", { q: " router ", author: "unknown", from: "2026-01-01", to: "2026-01-31" }, "cur")).toBe(
      "/api/mailboxes/a%201/messages?author=unknown&q=router&from=2026-01-01&to=2026-01-31&before=cur&limit=50",
    );
  });
});

describe("message dates", () => {
  const now = new Date(2026, 2, 10, 15, 0);
  it("show the time for today, the day this year, and the year before", () => {
    expect(shortDate(new Date(2026, 2, 10, 9, 5).toISOString(), now)).toBe("09:05");
    expect(shortDate(new Date(2026, 0, 3, 9, 5).toISOString(), now)).toBe("3 Jan");
    expect(shortDate(new Date(2025, 11, 24, 9, 5).toISOString(), now)).toBe("24 Dec 2025");
  });
});
