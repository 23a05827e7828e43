// What the server reports, said in words a person can act on.

import type { ConnectionTest } from "../api/types";

const whatFailed: Record<string, { headline: string; todo: string }> = {
  dns: { headline: "Name lookup failed", todo: "Check the server name: no such host could be found." },
  connect: { headline: "Connection refused", todo: "Check the server and the port, and that the server accepts connections from here." },
  tls: { headline: "TLS/certificate problem", todo: "Check the security mode; for a self-signed certificate tick \u201cDon't validate certificate\u201d." },
  auth: { headline: "Authentication failed", todo: "Check the username and the password." },
  timeout: { headline: "Timed out", todo: "The server did not answer in time. Check the server and port, or try again later." },
  protocol: { headline: "The server answered unexpectedly", todo: "Check that this is the right kind of server on that port." },
};

export interface Outcome {
  ok: boolean;
  headline: string;
  detail: string | null;
}

/** A mailbox's sync state as a word (the API's state names are lower-case). */
export const stateWords: Record<string, string> = {
  disabled: "Disabled",
  connecting: "Connecting",
  syncing: "Syncing",
  idle: "Idle",
  error: "Error",
};

/** The outcome of a connection test or a test email. */
export function describeTest(result: ConnectionTest, success: string): Outcome {
  if (result.ok) return { ok: true, headline: success, detail: null };
  const known = result.errorKind ? whatFailed[result.errorKind] : undefined;
  const headline = known?.headline ?? "It did not work";
  const detail = [result.error, known?.todo].filter(Boolean).join(" ");
  return { ok: false, headline, detail: detail || null };
}

/** What to do about a mailbox error, by its kind. */
export function adviceFor(errorKind: string | null): string {
  return (errorKind && whatFailed[errorKind]?.todo) ?? "Check the IMAP settings below, test the connection and save.";
}

/** "3 minutes ago", "just now", "in 2 minutes": relative to now, for the last sync and retry times. */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  if (Number.isNaN(seconds)) return iso;
  if (Math.abs(seconds) < 45) return "just now";
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["minute", 60],
    ["hour", 3600],
    ["day", 86400],
  ];
  const format = new Intl.RelativeTimeFormat("en", { numeric: "always" });
  let chosen: [Intl.RelativeTimeFormatUnit, number] = units[0]!;
  for (const unit of units) if (Math.abs(seconds) >= unit[1]) chosen = unit;
  return format.format(Math.round(seconds / chosen[1]), chosen[0]);
}

/** "Try again in 4 minutes" from a Retry-After in seconds. */
export function tryAgainIn(seconds: number): string {
  if (seconds < 60) return `Try again in ${Math.max(1, seconds)} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
