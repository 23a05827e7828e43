// One SignalR connection per tab. Its events patch the query cache of the screens that show them; after a
// reconnect every query is refetched, so the screen catches up with what it missed.

import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from "@microsoft/signalr";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { MailboxListItem, MailboxStatusPush, MessageSummary } from "../api/types";
import { applyEmailStatus, refreshConversations, type EmailStatusPush } from "../features/customers";
import { mailboxesKey, messagesKey } from "../features/inbox";
import { mailboxStatusKey, quarantineKey } from "../features/profile";
import { emitLiveEvent } from "../shared/liveEvents";
import { laterStatus } from "../shared/mailboxStatus";

export type LiveState = "connecting" | "connected" | "reconnecting" | "disconnected";

interface Live {
  state: LiveState;
  announcement: string;
}

const LiveContext = createContext<Live>({ state: "connecting", announcement: "" });

export const useLive = () => useContext(LiveContext);

/** Reconnect delays: quickly at first, then every 10 seconds, never giving up while the tab is open. */
export function reconnectDelay(previousRetryCount: number): number {
  const steps = [0, 1000, 2000, 5000];
  return steps[previousRetryCount] ?? 10_000;
}

export function applyMailboxStatus(queryClient: QueryClient, ownMailboxId: string, push: MailboxStatusPush) {
  queryClient.setQueryData<MailboxListItem[]>(mailboxesKey, (list) =>
    list?.map((mailbox) => (mailbox.adminId === push.mailboxId ? { ...mailbox, status: laterStatus(mailbox.status, push.status) } : mailbox)),
  );
  if (push.mailboxId !== ownMailboxId) return;
  const before = queryClient.getQueryData<MailboxStatusPush["status"]>(mailboxStatusKey);
  const after = laterStatus(before, push.status);
  queryClient.setQueryData(mailboxStatusKey, after);
  if (before?.quarantined !== after.quarantined) {
    void queryClient.invalidateQueries({ queryKey: quarantineKey });
  }
}

export function LiveChannel({ adminId, children }: { adminId: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connection: HubConnection = new HubConnectionBuilder()
      .withUrl("/hubs/mail")
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => reconnectDelay(context.previousRetryCount) })
      .configureLogging(LogLevel.None)
      .build();

    connection.on("mailboxStatus", (push: MailboxStatusPush) => applyMailboxStatus(queryClient, adminId, push));
    connection.on("messageReceived", (summary: MessageSummary) => {
      emitLiveEvent({ type: "messageReceived", summary });
      const from = summary.from?.name || summary.from?.address || "someone";
      setAnnouncement(`New message from ${from}: ${summary.subject ?? "(no subject)"}`);
      void queryClient.invalidateQueries({ queryKey: messagesKey });
    });
    connection.on("messageChanged", (summary: MessageSummary) => {
      emitLiveEvent({ type: "messageChanged", summary });
      void queryClient.invalidateQueries({ queryKey: messagesKey });
    });
    connection.on("messageRemoved", (removed: { mailboxId: string; id: string }) => {
      emitLiveEvent({ type: "messageRemoved", ...removed });
      void queryClient.invalidateQueries({ queryKey: messagesKey });
    });
    // Access granted or revoked: the switcher follows at once, and a revoked mailbox's screens say so.
    connection.on("mailboxesChanged", () => void queryClient.invalidateQueries({ queryKey: mailboxesKey }));
    // Customers: any message event may change a conversation; a send's outcome comes to its sender only.
    for (const event of ["messageReceived", "messageChanged", "messageRemoved"]) connection.on(event, () => refreshConversations(queryClient));
    connection.on("emailStatus", (push: EmailStatusPush) => applyEmailStatus(queryClient, push));
    connection.onreconnecting(() => setState("reconnecting"));
    connection.onreconnected(() => {
      setState("connected");
      emitLiveEvent({ type: "reconnected" });
      void queryClient.invalidateQueries();
    });
    connection.onclose(() => {
      if (stopped) return;
      setState("disconnected");
      retry = setTimeout(start, 10_000);
    });

    async function start() {
      if (stopped || connection.state !== HubConnectionState.Disconnected) return;
      setState((current) => (current === "disconnected" ? "reconnecting" : current));
      try {
        await connection.start();
        if (stopped) return;
        setState("connected");
        // Anything that happened before the connection existed is fetched again.
        void queryClient.invalidateQueries({ queryKey: mailboxStatusKey });
      } catch {
        if (stopped) return;
        setState("reconnecting");
        retry = setTimeout(start, 5000);
      }
    }
    void start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      void connection.stop();
    };
  }, [adminId, queryClient]);

  return <LiveContext.Provider value={{ state, announcement }}>{children}</LiveContext.Provider>;
}
