import { useState, type FormEvent } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link, Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import type { MessageSummary } from "../../api/types";
import { Notice, PageHeader, SelectField, TextField } from "../../shared/ui";
import { listMailboxes, listMessages, mailboxesKey, messagesKey, type AuthorFilter, type InboxFilters } from "./api";
import { orderMailboxes, shortDate } from "./mailboxOrder";

const authorOptions = [
  { value: "all", label: "All" },
  { value: "known", label: "Known" },
  { value: "unknown", label: "Not found" },
];

/** Messages of one mailbox, newest first, with the filters in the address so that a view can be bookmarked. */
export function InboxPage() {
  const { adminId } = useParams();
  const mailboxes = useQuery({ queryKey: mailboxesKey, queryFn: listMailboxes });
  const ordered = orderMailboxes(mailboxes.data ?? []);

  if (mailboxes.isPending) return <p className="muted">Loading your mailboxes…</p>;
  if (mailboxes.isError) return <Notice tone="error" title="The mailboxes could not be loaded">{mailboxes.error.message}</Notice>;
  if (!adminId && ordered[0]) return <Navigate to={`/inbox/${ordered[0].adminId}`} replace />;

  const mailbox = ordered.find((item) => item.adminId === adminId);
  return (
    <>
      <PageHeader title="Inbox" />
      {ordered.length === 0 || !mailbox ? (
        <div className="card card-body empty-state">
          <p>{adminId ? "This mailbox is not one you may read." : "You have no mailbox yet."}</p>
          <p className="muted">Set up your mail account in My Profile → Mail and enable inbox processing.</p>
        </div>
      ) : (
        <Mailbox key={mailbox.adminId} mailboxId={mailbox.adminId} ownerName={mailbox.name} own={mailbox.own} state={mailbox.status.state} choices={ordered} />
      )}
    </>
  );
}

function Mailbox({
  mailboxId,
  ownerName,
  own,
  state,
  choices,
}: {
  mailboxId: string;
  ownerName: string;
  own: boolean;
  state: string;
  choices: { adminId: string; name: string; own: boolean }[];
}) {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters: InboxFilters = {
    q: params.get("q") ?? "",
    author: (params.get("author") as AuthorFilter | null) ?? "all",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
  const [search, setSearch] = useState(filters.q);

  const messages = useInfiniteQuery({
    queryKey: [...messagesKey, mailboxId, filters],
    queryFn: ({ pageParam }) => listMessages(mailboxId, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const rows = messages.data?.pages.flatMap((page) => page.items) ?? [];

  function setFilter(name: keyof InboxFilters, value: string) {
    const next = new URLSearchParams(params);
    if (value && !(name === "author" && value === "all")) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    setFilter("q", search.trim());
  }

  return (
    <>
      {!own && (
        <Notice tone="info" title={`You are reading ${ownerName}'s mailbox`}>
          You see their incoming mail because they gave you access.
        </Notice>
      )}
      <form className="filters card" role="search" aria-label="Filter messages" onSubmit={submitSearch}>
        <SelectField
          label="Mailbox"
          options={choices.map((choice) => ({ value: choice.adminId, label: choice.own ? `${choice.name} (you)` : choice.name }))}
          value={mailboxId}
          onChange={(event) => navigate(`/inbox/${event.target.value}`)}
        />
        <TextField label="Search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} onBlur={() => setFilter("q", search.trim())} placeholder="Sender, subject or text" />
        <SelectField label="Author" options={authorOptions} value={filters.author} onChange={(event) => setFilter("author", event.target.value)} />
        <TextField label="From date" type="date" value={filters.from} onChange={(event) => setFilter("from", event.target.value)} />
        <TextField label="To date" type="date" value={filters.to} onChange={(event) => setFilter("to", event.target.value)} />
      </form>
      <div className="card">
        {messages.isError ? (
          <p className="card-body">The messages could not be loaded: {messages.error.message}</p>
        ) : rows.length === 0 ? (
          <div className="card-body empty-state">
            {messages.isPending ? (
              <p className="muted">Loading messages…</p>
            ) : params.size > 0 ? (
              <p>No messages match.</p>
            ) : (
              <>
                <p>No mail here yet.</p>
                {own && state === "disabled" && (
                  <p className="muted">
                    Inbox processing is off: set up your mailbox in <Link to="/profile/mail">My Profile → Mail</Link>.
                  </p>
                )}
                {state !== "disabled" && <p className="muted">New mail appears here as soon as it arrives.</p>}
              </>
            )}
          </div>
        ) : (
          <table className="table messages">
            <caption className="visually-hidden">Messages of {ownerName}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Subject</th>
                <th scope="col" className="cell-date">
                  Date
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((message) => (
                <MessageRow key={message.id} message={message} />
              ))}
            </tbody>
          </table>
        )}
      </div>
      {messages.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => void messages.fetchNextPage()} disabled={messages.isFetchingNextPage}>
            {messages.isFetchingNextPage ? "Loading…" : "Load older messages"}
          </button>
        </div>
      )}
    </>
  );
}

function MessageRow({ message }: { message: MessageSummary }) {
  const sender = message.direction === "out" ? message.to[0] : message.from;
  return (
    <tr>
      <td className="cell-from">
        <span className="sender">{message.direction === "out" ? `To: ${sender?.name || sender?.address || ""}` : sender?.name || sender?.address}</span>
        {sender?.name && <span className="muted sender-address">{sender.address}</span>}
        {!message.authorFound && <span className="badge badge-warn">Author not found</span>}
      </td>
      <td>
        <span className="subject">{message.subject || "(no subject)"}</span>
        {message.hasAttachments && (
          <span className="attachment-mark" title="Has attachments">
            <PaperclipIcon />
            <span className="visually-hidden">Has attachments</span>
          </span>
        )}
        {message.snippet && <span className="snippet muted">{message.snippet}</span>}
      </td>
      <td className="cell-date">
        <time dateTime={message.date} title={new Date(message.date).toLocaleString("en-GB")}>
          {shortDate(message.date)}
        </time>
      </td>
    </tr>
  );
}

/** Drawn, not a font glyph: servers often have no emoji font. */
function PaperclipIcon() {
  return (
    <svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
    </svg>
  );
}
