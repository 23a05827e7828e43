import { api } from "../../api/client";
import type { MessageSummary, Page } from "../../api/types";

export type CustomerCategory = "customer" | "lead";

export interface Customer {
  id: string;
  name: string;
  category: CustomerCategory;
  emails: string[];
}

export type CustomerRequest = Omit<Customer, "id">;

/** What the Communication tab shows of a send: `sending` is never seen outside the server. */
export type EmailStatus = "queued" | "sent" | "failed" | "unknown";

/** `GET /api/customers/{id}/communication` items: a message summary with its threading headers and, for its sender, the send's status. */
export interface ConversationItem extends MessageSummary {
  threadId: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  mailboxOwner: string | null;
  emailId: string | null;
  status: EmailStatus | null;
  error: string | null;
}

/** `POST /api/customers/{id}/emails` answer and the SignalR `emailStatus` push (with `customerId`). */
export interface OutgoingEmail {
  id: string;
  status: EmailStatus;
  error: string | null;
}

export interface EmailStatusPush extends OutgoingEmail {
  customerId: string;
}

export interface EmailRequest {
  subject: string;
  text: string;
  to: string;
  inReplyToId: string | null;
}

/** The view of one message; its HTML is already made safe by the server, and still only ever goes into a sandboxed frame. */
export interface MessageBody {
  id: string;
  textBody: string | null;
  htmlBody: string | null;
}

export const customersKey = ["customers"] as const;
export const customerKey = (id: string) => ["customer", id] as const;
/** Every Communication query starts with this, so that a live event can refresh them all. */
export const communicationKey = ["communication"] as const;
export const customerCommunicationKey = (id: string) => [...communicationKey, id] as const;
/** Sends made from this tab whose outcome the page shows until the conversation itself has them. */
export const sendsKey = (customerId: string) => ["customer-sends", customerId] as const;

export const listCustomers = (q: string) => api<Customer[]>("GET", `/api/customers${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ""}`);
export const getCustomer = (id: string) => api<Customer>("GET", `/api/customers/${encodeURIComponent(id)}`);
export const createCustomer = (customer: CustomerRequest) => api<Customer>("POST", "/api/customers", customer);
export const updateCustomer = (id: string, customer: CustomerRequest) => api<Customer>("PUT", `/api/customers/${encodeURIComponent(id)}`, customer);

export function listCommunication(customerId: string, before: string | null) {
  const params = new URLSearchParams({ limit: "30" });
  if (before) params.set("before", before);
  return api<Page<ConversationItem>>("GET", `/api/customers/${encodeURIComponent(customerId)}/communication?${params.toString()}`);
}

export const sendEmail = (customerId: string, email: EmailRequest) =>
  api<OutgoingEmail>("POST", `/api/customers/${encodeURIComponent(customerId)}/emails`, email);

export const getMessageBody = (mailboxId: string, id: string) =>
  api<MessageBody>("GET", `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages/${encodeURIComponent(id)}`);

/** The caller's sending setup, to say before sending which server is used (or why sending is off). */
export interface SendingSetup {
  credentials: { username: string };
  smtp: { enabled: boolean; useSystem: boolean; server: string | null; replyTo: string | null };
}

export const sendingSetupKey = ["customers-sending-setup"] as const;
export const getSendingSetup = () => api<SendingSetup>("GET", "/api/me/mail-settings");
