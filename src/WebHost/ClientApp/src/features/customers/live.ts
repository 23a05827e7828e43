// What the live channel does for the Customers screens: a send's outcome patches the pending send and the
// conversation item; any message event refetches the open conversations (the server decides what each may read).

import type { QueryClient } from "@tanstack/react-query";
import type { ConversationItem, EmailStatusPush, OutgoingEmail } from "./api";
import { communicationKey, sendsKey } from "./api";
import type { InfiniteData } from "@tanstack/react-query";
import type { Page } from "../../api/types";

/** A send made from this page: shown until the conversation lists it, and for good when it failed (nothing was stored). */
export interface PendingSend extends OutgoingEmail {
  customerId: string;
  to: string;
  subject: string;
  text: string;
  inReplyToId: string | null;
  at: string;
}

export const emailOutcomeKey = (emailId: string) => ["email-outcome", emailId] as const;

export function applyEmailStatus(queryClient: QueryClient, push: EmailStatusPush) {
  const outcome: OutgoingEmail = { id: push.id, status: push.status, error: push.error };
  // Kept by id as well: a quick failure can be pushed before the POST that queued it has answered.
  queryClient.setQueryData(emailOutcomeKey(push.id), outcome);
  queryClient.setQueryData<PendingSend[]>(sendsKey(push.customerId), (sends) =>
    sends?.map((send) => (send.id === push.id ? { ...send, status: push.status, error: push.error } : send)),
  );
  queryClient.setQueriesData<InfiniteData<Page<ConversationItem>>>({ queryKey: [...communicationKey, push.customerId] }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            items: page.items.map((item) => (item.emailId === push.id ? { ...item, status: push.status, error: push.error } : item)),
          })),
        }
      : data,
  );
}

/** A message was stored, changed or removed somewhere: the open Communication tabs fetch what they may show. */
export function refreshConversations(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: communicationKey });
}
