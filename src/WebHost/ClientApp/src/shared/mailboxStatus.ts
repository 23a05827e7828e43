import type { MailboxStatus } from "../api/types";

/**
 * Of the status already shown and one that arrives, the one read later. A fetch that left before a push
 * may land after it; without this the screen would fall back to the older state and stay there.
 */
export function laterStatus(shown: MailboxStatus | undefined, arriving: MailboxStatus): MailboxStatus {
  return shown && Date.parse(shown.asOf) > Date.parse(arriving.asOf) ? shown : arriving;
}
