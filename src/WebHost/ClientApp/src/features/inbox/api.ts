import { api } from "../../api/client";
import type { MailboxListItem, MessageSummary, Page } from "../../api/types";

export const mailboxesKey = ["mailboxes"] as const;
/** Every inbox query starts with this, so that a live event can refresh them all. */
export const messagesKey = ["messages"] as const;

export type AuthorFilter = "all" | "known" | "unknown";

export interface InboxFilters {
  q: string;
  author: AuthorFilter;
  from: string;
  to: string;
}

export const listMailboxes = () => api<MailboxListItem[]>("GET", "/api/mailboxes");

export function inboxQuery(mailboxId: string, filters: InboxFilters, before: string | null): string {
  const params = new URLSearchParams();
  if (filters.author !== "all") params.set("author", filters.author);
  if (filters.q.trim()) params.set("q", filters.q.trim());
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (before) params.set("before", before);
  params.set("limit", "50");
  return `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages?${params.toString()}`;
}

export const listMessages = (mailboxId: string, filters: InboxFilters, before: string | null) =>
  api<Page<MessageSummary>>("GET", inboxQuery(mailboxId, filters, before));
