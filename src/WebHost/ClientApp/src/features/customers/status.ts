import type { EmailStatus } from "./api";

export interface StatusWords {
  label: string;
  tone: "pending" | "ok" | "error" | "warn";
  /** What it means for the person, when the label alone does not say it. */
  detail: string | null;
}

/** The status of an outgoing email in words a person can act on. */
export function statusWords(status: EmailStatus, error: string | null): StatusWords {
  switch (status) {
    case "queued":
      return { label: "Queued", tone: "pending", detail: "Being handed to the mail server." };
    case "sent":
      return { label: "Sent", tone: "ok", detail: null };
    case "failed":
      return { label: "Failed", tone: "error", detail: `${sentenceEnd(error ?? "The mail server did not take it")} Nothing was sent.` };
    case "unknown":
      return {
        label: "Unknown",
        tone: "warn",
        detail: "The service stopped while handing it over: the server may or may not have taken it. Check your Sent folder before sending it again.",
      };
  }
}

/** A server's reason often ends without a full stop; the next sentence needs one. */
function sentenceEnd(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
