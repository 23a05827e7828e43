import { useEffect, useRef, useState } from "react";
import { skipToken, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import {
  customerCommunicationKey,
  getSendingSetup,
  listCommunication,
  sendingSetupKey,
  sendsKey,
  type ConversationItem,
  type Customer,
  type OutgoingEmail,
} from "./api";
import { ComposeForm, describeRoute, type ComposeTarget } from "./ComposeForm";
import { draftKey, loadDraft, repliesWithDrafts } from "./drafts";
import { emailOutcomeKey, type PendingSend } from "./live";
import { MessageBody } from "./MessageBody";
import { statusWords } from "./status";
import { buildThreads, replySubject, type ThreadNode } from "./threading";

/** A draft kept from before a reload opens its form again: the new email's first, else a reply's. */
function initialTarget(customerId: string): ComposeTarget | null {
  const fresh = loadDraft(localStorage, draftKey(customerId, null));
  if (fresh) return { replyToId: null, subject: fresh.subject };
  const replyToId = repliesWithDrafts(localStorage, customerId)[0];
  return replyToId ? { replyToId, subject: loadDraft(localStorage, draftKey(customerId, replyToId))?.subject ?? "" } : null;
}

/**
 * The conversation with one customer from every mailbox the viewer may read (the server leaves out the rest),
 * threaded, newest thread first, older pages loaded as the end of the list scrolls into view.
 */
export function CommunicationTab({ customer }: { customer: Customer }) {
  const [composing, setComposing] = useState<ComposeTarget | null>(() => initialTarget(customer.id));
  const setup = useQuery({ queryKey: sendingSetupKey, queryFn: getSendingSetup });
  const route = describeRoute(setup.data);
  const conversation = useInfiniteQuery({
    queryKey: customerCommunicationKey(customer.id),
    queryFn: ({ pageParam }) => listCommunication(customer.id, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  // Filled by the compose form and patched by emailStatus, never fetched: nothing on the server lists them.
  const sends = useQuery<PendingSend[]>({ queryKey: sendsKey(customer.id), queryFn: skipToken, gcTime: Infinity });
  const items = conversation.data?.pages.flatMap((page) => page.items) ?? [];
  const listed = new Set(items.map((item) => item.emailId).filter(Boolean));
  const unlisted = (sends.data ?? []).filter((send) => !listed.has(send.id));
  const threads = buildThreads(items);
  const end = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = conversation;

  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const compose = (target: ComposeTarget) => {
    setComposing(target);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(".compose select, .compose input")?.focus());
  };

  return (
    <>
      <div className="communication-bar">
        <button
          type="button"
          className="button button-primary"
          onClick={() => compose({ replyToId: null, subject: "" })}
          disabled={!route.ok || customer.emails.length === 0}
          aria-describedby="sending-route"
        >
          Send email
        </button>
        {/* The open form says it in full; the button keeps its description. */}
        <span id="sending-route" className={composing ? "visually-hidden" : route.ok ? "muted" : "compose-route-off"}>
          {customer.emails.length === 0 ? "Add an email address under Details to write to this customer." : route.words}
        </span>
      </div>
      {composing && <ComposeForm key={`${composing.replyToId ?? "new"}`} customer={customer} target={composing} setup={setup.data} onClose={() => setComposing(null)} />}
      {unlisted.length > 0 && (
        <ul className="timeline" aria-label="Emails you just sent">
          {unlisted.map((send) => (
            <PendingSendItem key={send.id} send={send} onRetry={() => compose({ replyToId: send.inReplyToId, subject: send.subject, text: send.text })} />
          ))}
        </ul>
      )}
      <section aria-label="Conversation" className="card conversation">
        {conversation.isError ? (
          <p className="card-body">The conversation could not be loaded: {conversation.error.message}</p>
        ) : threads.length === 0 && unlisted.length > 0 ? null : threads.length === 0 ? (
          <div className="card-body empty-state">
            {conversation.isPending ? (
              <p className="muted">Loading the conversation…</p>
            ) : (
              <>
                <p>No messages with this customer that you may read.</p>
                <p className="muted">Mail from and to its addresses shows here, from your mailbox and those you were given access to.</p>
              </>
            )}
          </div>
        ) : (
          <ul className="timeline">
            {threads.map((thread) => (
              <ThreadItem key={thread.item.id} node={thread} onReply={(item) => compose({ replyToId: item.id, subject: replySubject(item.subject) })} />
            ))}
          </ul>
        )}
        <div ref={end} className="load-more">
          {hasNextPage && (
            <button type="button" className="button" onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
              {isFetchingNextPage ? "Loading…" : "Load older messages"}
            </button>
          )}
        </div>
      </section>
    </>
  );
}

/** What emailStatus pushed for this email (it may come before anything else knows the email), re-rendering when it does. */
function useOutcome(emailId: string | null): OutgoingEmail | undefined {
  const { data } = useQuery<OutgoingEmail>({ queryKey: emailOutcomeKey(emailId ?? ""), queryFn: skipToken, gcTime: Infinity });
  return emailId ? data : undefined;
}

function StatusLine({ status, error, onRetry }: { status: OutgoingEmail["status"]; error: string | null; onRetry?: () => void }) {
  const words = statusWords(status, error);
  return (
    <div className={`send-status send-status-${words.tone}`} role="status">
      <span className={`badge badge-status-${words.tone}`}>{words.label}</span>
      {words.detail && <span className="send-status-detail">{words.detail}</span>}
      {status === "failed" && onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again as a new email
        </button>
      )}
    </div>
  );
}

function PendingSendItem({ send, onRetry }: { send: PendingSend; onRetry: () => void }) {
  const outcome = useOutcome(send.id);
  const status = outcome?.status ?? send.status;
  return (
    <li className="card timeline-item timeline-out">
      <div className="item-head">
        <span className="item-who">To {send.to}</span>
        <time className="item-date muted" dateTime={send.at}>
          {new Date(send.at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}
        </time>
      </div>
      <p className="item-subject">{send.subject}</p>
      <StatusLine status={status} error={outcome?.error ?? send.error} onRetry={onRetry} />
    </li>
  );
}

function ThreadItem({ node, onReply }: { node: ThreadNode<ConversationItem>; onReply: (item: ConversationItem) => void }) {
  return (
    <li>
      <MessageItem item={node.item} onReply={onReply} />
      {node.replies.length > 0 && (
        <ul className="timeline replies" aria-label={`Replies to ${node.item.subject || "(no subject)"}`}>
          {node.replies.map((reply) => (
            <ThreadItem key={reply.item.id} node={reply} onReply={onReply} />
          ))}
        </ul>
      )}
    </li>
  );
}

function MessageItem({ item, onReply }: { item: ConversationItem; onReply: (item: ConversationItem) => void }) {
  const [open, setOpen] = useState(false);
  const outcome = useOutcome(item.emailId);
  const status = outcome?.status ?? item.status;
  const author = item.from.name ? `${item.from.name} <${item.from.address}>` : item.from.address;
  const owner = item.mailboxOwner ?? "an admin";
  const subject = item.subject || "(no subject)";
  return (
    <article className={`card timeline-item timeline-${item.direction}`} aria-label={`${item.direction === "out" ? "Sent" : "Received"}: ${subject}`}>
      <div className="item-head">
        <span className="item-who">
          <span className={`direction direction-${item.direction}`}>{item.direction === "out" ? "Outgoing" : "Incoming"}</span>
          <strong>{author}</strong>
          {item.direction === "out" && item.to[0] && <span className="muted"> to {item.to[0].name || item.to[0].address}</span>}
        </span>
        <time className="item-date muted" dateTime={item.date} title={new Date(item.date).toLocaleString("en-GB")}>
          {new Date(item.date).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}
        </time>
      </div>
      <p className="item-mailbox muted">{item.direction === "out" ? `Through ${owner}'s mailbox` : `In ${owner}'s mailbox`}</p>
      <p className="item-subject">{subject}</p>
      {status && <StatusLine status={status} error={outcome?.error ?? item.error} />}
      {open ? (
        <MessageBody mailboxId={item.mailboxId} messageId={item.id} title={subject} />
      ) : (
        item.snippet && <p className="item-snippet">{item.snippet}</p>
      )}
      <div className="item-actions">
        <button type="button" className="button button-small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide message" : "Show message"}
        </button>
        <button type="button" className="button button-small" onClick={() => onReply(item)}>
          Reply
        </button>
      </div>
    </article>
  );
}
