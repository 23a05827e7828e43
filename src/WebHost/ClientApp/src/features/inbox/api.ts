import { api } from "../../api/client";
import type { MailboxListItem, MessageSummary, Page } from "../../api/types";
import type { CustomerCategory, CustomerItem, MessageView } from "./types";

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

export function inboxQuery(mailboxId: string, filters: InboxFilters, before: string | null, limit = 50): string {
  const params = new URLSearchParams();
  if (filters.author !== "all") params.set("author", filters.author);
  if (filters.q.trim()) params.set("q", filters.q.trim());
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (before) params.set("before", before);
  params.set("limit", String(limit));
  return `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages?${params.toString()}`;
}

export const listMessages = (mailboxId: string, filters: InboxFilters, before: string | null, limit = 50) =>
  api<Page<MessageSummary>>("GET", inboxQuery(mailboxId, filters, before, limit));

/** The inbox's own cache: patched by live events (liveList.ts), never refetched under a reader's eyes. */
export const inboxKey = (mailboxId: string, filters: InboxFilters) => ["inbox", mailboxId, filters] as const;
export const messageKey = (mailboxId: string, id: string) => ["message", mailboxId, id] as const;

const messagePath = (mailboxId: string, id: string) =>
  `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages/${encodeURIComponent(id)}`;

export const attachmentUrl = (mailboxId: string, id: string, attachmentId: string) =>
  `${messagePath(mailboxId, id)}/attachments/${encodeURIComponent(attachmentId)}`;

export const getMessage = (mailboxId: string, id: string) => api<MessageView>("GET", messagePath(mailboxId, id));
export const pairMessage = (mailboxId: string, id: string, customerId: string) =>
  api<CustomerItem>("POST", `${messagePath(mailboxId, id)}/pair`, { customerId });
export const addCustomerFromMessage = (mailboxId: string, id: string, name: string, category: CustomerCategory) =>
  api<CustomerItem>("POST", `${messagePath(mailboxId, id)}/add-customer`, { name, category });
export const blockSender = (mailboxId: string, id: string) => api<{ address: string }>("POST", `${messagePath(mailboxId, id)}/block`);
export const deleteMessage = (mailboxId: string, id: string) => api<void>("DELETE", messagePath(mailboxId, id));
export const searchCustomers = (q: string) => api<CustomerItem[]>("GET", `/api/customers?q=${encodeURIComponent(q.trim())}`);
