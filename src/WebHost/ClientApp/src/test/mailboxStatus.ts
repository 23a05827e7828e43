import type { MailboxStatus } from "../api/types";

/** A mailbox status for tests: idle, empty, read at a fixed moment, with the given changes. */
export const mailboxStatus = (overrides: Partial<MailboxStatus> = {}): MailboxStatus => ({
  state: "idle",
  error: null,
  errorKind: null,
  lastSyncAt: null,
  messages: 0,
  quarantined: 0,
  silo: null,
  asOf: "2026-12-03T10:00:00.000Z",
  ...overrides,
});
