import { api } from "../../api/client";
import type { Page } from "../../api/types";

export interface OverviewRow {
  adminId: string;
  login: string;
  name: string;
  state: string;
  error: string | null;
  errorKind: string | null;
  lastSyncAt: string | null;
  messages: number;
  quarantined: number;
  silo: string | null;
}

export type OverviewPage = Page<OverviewRow>;

export interface Silo {
  silo: string;
  status: string;
  mailboxes: number;
}

/** What `/hubs/operations` pushes when mailboxes change state or silo. */
export type PresenceChange = Pick<OverviewRow, "adminId" | "state" | "error" | "errorKind" | "lastSyncAt" | "silo">;

export const overviewKey = (state: string) => ["operations", "mailboxes", state] as const;
export const silosKey = ["operations", "silos"] as const;

export function listMailboxes(state: string, before: string | null) {
  const query = new URLSearchParams({ limit: "100" });
  if (state) query.set("state", state);
  if (before) query.set("before", before);
  return api<OverviewPage>("GET", `/api/admin/mailboxes?${query.toString()}`);
}

export const listSilos = () => api<Silo[]>("GET", "/api/admin/silos");
