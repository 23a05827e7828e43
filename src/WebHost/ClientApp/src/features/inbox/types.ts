import type { MailAddress, MessageSummary } from "../../api/types";

/** `GET /api/mailboxes/{adminId}/messages/{id}`: the summary plus what the view of a message shows. */
export interface MessageView extends MessageSummary {
  cc: MailAddress[];
  messageId: string | null;
  inReplyTo: string | null;
  textBody: string | null;
  htmlBody: string | null;
  attachments: { id: string; fileName: string | null; contentType: string; size: number }[];
}

export type CustomerCategory = "customer" | "lead";

/** A customer or lead as `/api/customers` answers it. */
export interface CustomerItem {
  id: string;
  name: string;
  category: CustomerCategory;
  emails: string[];
}
