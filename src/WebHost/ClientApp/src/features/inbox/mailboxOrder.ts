import type { MailboxListItem } from "../../api/types";

/** The own mailbox first, then the delegated ones by their owner's name. */
export function orderMailboxes(mailboxes: MailboxListItem[]): MailboxListItem[] {
  return [...mailboxes].sort((a, b) => (a.own === b.own ? a.name.localeCompare(b.name, "en") : a.own ? -1 : 1));
}

/** "14:05" today, "3 Mar" this year, "3 Mar 2025" before: short, and the year only when it is not this one. */
export function shortDate(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  if (sameDay) return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const options: Intl.DateTimeFormatOptions =
    date.getFullYear() === now.getFullYear() ? { day: "numeric", month: "short" } : { day: "numeric", month: "short", year: "numeric" };
  return date.toLocaleDateString("en-GB", options);
}
