import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import type { MailboxListItem, MessageSummary } from "../../api/types";
import { onLiveEvent } from "../../shared/liveEvents";
import { Notice, PageHeader, SelectField, TextField } from "../../shared/ui";
import type { MessageAction } from "./ActionsMenu";
import { ActionDialog, type DialogAction } from "./ActionDialogs";
import { inboxKey, listMailboxes, listMessages, mailboxesKey, messageKey, type InboxFilters } from "./api";
import {
  addWaiting,
  arrivedMeanwhile,
  filtersFromParams,
  insertMessages,
  matchesFilters,
  placeReceived,
  removeMessage,
  replaceMessage,
  rowsOf,
  withFilter,
  type Pages,
} from "./liveList";
import { orderMailboxes } from "./mailboxOrder";
import { MessageList, type MessageListHandle } from "./MessageList";
import { MessageView } from "./MessageView";
import "./inbox.css";

const authorOptions = [
  { value: "all", label: "All" },
  { value: "known", label: "Known" },
  { value: "unknown", label: "Not found" },
];

/** Wide enough for the reading pane beside the list. */
const wideQuery = "(min-width: 1180px)";

function useWide(): boolean {
  const [wide, setWide] = useState(() => window.matchMedia(wideQuery).matches);
  useEffect(() => {
    const media = window.matchMedia(wideQuery);
    const change = () => setWide(media.matches);
    media.addEventListener("change", change);
    return () => media.removeEventListener("change", change);
  }, []);
  return wide;
}

/** Whether a key press belongs to something the person is typing into or working in (a menu, a dialog). */
function keyBelongsElsewhere(event: KeyboardEvent): boolean {
  const target = event.target instanceof HTMLElement ? event.target : null;
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
  if (document.querySelector("dialog[open]")) return true;
  if (!target) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.closest('[role="menu"]') !== null;
}

/** Own mailbox first, then the delegated ones by owner name, each with its live state in words. */
const switcherOptions = (mailboxes: MailboxListItem[]) =>
  mailboxes.map((item) => ({ value: item.adminId, label: `${item.own ? `${item.name} (you)` : item.name} · ${item.status.state}` }));

/** Messages of one mailbox, newest first, the filters in the address, the open message beside or instead of the list. */
export function InboxPage() {
  const { adminId, "*": rest } = useParams();
  const messageId = rest ? rest.split("/")[0] || null : null;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const mailboxes = useQuery({ queryKey: mailboxesKey, queryFn: listMailboxes });
  const ordered = orderMailboxes(mailboxes.data ?? []);
  // Names of the mailboxes this tab has shown, to say whose access ended when one leaves the list.
  const [known, setKnown] = useState<Record<string, string>>({});
  const unknownNames = ordered.some((item) => known[item.adminId] !== item.name);
  useEffect(() => {
    if (unknownNames) setKnown((before) => ({ ...before, ...Object.fromEntries(ordered.map((item) => [item.adminId, item.name])) }));
  }, [unknownNames, ordered]);

  const mailbox = ordered.find((item) => item.adminId === adminId);
  const accessEnded = Boolean(mailboxes.data && adminId && !mailbox && known[adminId]);
  useEffect(() => {
    if (!accessEnded || !adminId) return;
    // Nothing of it stays in this tab.
    queryClient.removeQueries({ queryKey: ["inbox", adminId] });
    queryClient.removeQueries({ queryKey: ["message", adminId] });
  }, [accessEnded, adminId, queryClient]);

  if (mailboxes.isPending) return <p className="muted">Loading your mailboxes…</p>;
  if (mailboxes.isError) return <Notice tone="error" title="The mailboxes could not be loaded">{mailboxes.error.message}</Notice>;
  if (!adminId && ordered[0]) return <Navigate to={`/inbox/${ordered[0].adminId}`} replace />;

  if (!mailbox) {
    const own = ordered.find((item) => item.own);
    return (
      <>
        <PageHeader title="Inbox" />
        {ordered.length > 0 && (
          <div className="filters card">
            <SelectField
              label="Mailbox"
              options={[{ value: "", label: "Choose a mailbox" }, ...switcherOptions(ordered)]}
              value=""
              onChange={(event) => event.target.value && navigate(`/inbox/${event.target.value}`)}
            />
          </div>
        )}
        {accessEnded && adminId ? (
          <div className="notice notice-error" role="alert">
            <strong>Your access to {known[adminId]}'s mailbox ended</strong>
            <div>
              {known[adminId]} no longer shares their mailbox with you, so nothing more of it is shown.{" "}
              {own && <Link to={`/inbox/${own.adminId}`}>Go to your inbox</Link>}
            </div>
          </div>
        ) : (
          <div className="card card-body empty-state">
            <p>{adminId ? "This mailbox is not one you may read." : "You have no mailbox yet."}</p>
            <p className="muted">Set up your mail account in My Profile → Mail and enable inbox processing.</p>
          </div>
        )}
      </>
    );
  }
  return <Mailbox key={mailbox.adminId} mailbox={mailbox} messageId={messageId} choices={ordered} />;
}

function Mailbox({ mailbox, messageId, choices }: { mailbox: MailboxListItem; messageId: string | null; choices: MailboxListItem[] }) {
  const mailboxId = mailbox.adminId;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const filterKey = JSON.stringify(filters);
  const [search, setSearch] = useState(filters.q);
  const wide = useWide();
  const list = useRef<MessageListHandle>(null);

  const key = inboxKey(mailboxId, filters);
  const messages = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => listMessages(mailboxId, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const rows = rowsOf(messages.data);

  const [waiting, setWaiting] = useState<MessageSummary[]>([]);
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [current, setCurrent] = useState(0);
  const [dialog, setDialog] = useState<{ action: DialogAction; message: MessageSummary } | null>(null);
  const [meanwhile, setMeanwhile] = useState<number | null>(null);
  const atTop = useRef(true);
  const catchUp = useRef<{ ids: Set<string>; newest: string | null; at: number } | null>(null);
  const focusAfter = useRef<number | null>(null);
  const refocus = useRef<number | null>(null);
  const reading = messageId !== null;

  // Latest values for the live listener, which is registered once per mailbox and filter set.
  const latest = useRef({ rows, waiting, reading });
  latest.current = { rows, waiting, reading };

  const patchAll = useCallback(
    (change: (data: Pages | undefined) => Pages | undefined) => queryClient.setQueriesData<Pages>({ queryKey: ["inbox", mailboxId] }, change),
    [queryClient, mailboxId],
  );

  useEffect(() => {
    const parsed = JSON.parse(filterKey) as InboxFilters;
    setWaiting([]);
    return onLiveEvent((event) => {
      if (event.type === "reconnected") {
        const { rows: shown, waiting: held } = latest.current;
        catchUp.current = { ids: new Set([...shown, ...held].map((item) => item.id)), newest: shown[0]?.date ?? null, at: Date.now() };
        setWaiting([]);
        return;
      }
      if (event.type === "messageRemoved") {
        if (event.mailboxId !== mailboxId) return;
        patchAll((data) => removeMessage(data, event.id));
        setWaiting((before) => before.filter((item) => item.id !== event.id));
        setRemoved((before) => new Set(before).add(event.id));
        return;
      }
      const summary = event.summary;
      if (summary.mailboxId !== mailboxId) return;
      if (event.type === "messageChanged") {
        patchAll((data) => replaceMessage(data, summary));
        setWaiting((before) => before.map((item) => (item.id === summary.id ? summary : item)));
        void queryClient.invalidateQueries({ queryKey: messageKey(mailboxId, summary.id) });
        return;
      }
      void (async () => {
        let belongs = matchesFilters(summary, parsed);
        if (belongs === undefined) {
          // The text search also reads bodies: the server says whether the new message matches.
          const first = await listMessages(mailboxId, parsed, null, 20).catch(() => null);
          belongs = first?.items.some((item) => item.id === summary.id) ?? false;
        }
        if (!belongs) return;
        if (placeReceived(atTop.current, latest.current.reading) === "list") {
          queryClient.setQueryData<Pages>(inboxKey(mailboxId, parsed), (data) => insertMessages(data, [summary]));
        } else if (!latest.current.rows.some((item) => item.id === summary.id)) {
          setWaiting((before) => addWaiting(before, summary));
        }
      })();
    });
  }, [mailboxId, filterKey, patchAll, queryClient]);

  // After a reconnect the list was fetched again: say how much arrived meanwhile.
  useEffect(() => {
    const pending = catchUp.current;
    if (!pending || messages.isFetching || messages.dataUpdatedAt < pending.at) return;
    catchUp.current = null;
    setMeanwhile(arrivedMeanwhile(pending.ids, pending.newest, rows));
  }, [messages.isFetching, messages.dataUpdatedAt, rows]);

  // Focus where a person expects it after a row went away: the row that took its place.
  useEffect(() => {
    if (focusAfter.current === null || rows.length === 0) return;
    const index = Math.min(focusAfter.current, rows.length - 1);
    focusAfter.current = null;
    setCurrent(index);
    list.current?.focusRow(index);
  }, [rows]);

  const query = params.toString() ? `?${params.toString()}` : "";
  const open = useCallback(
    (message: MessageSummary, replace = false) => navigate(`/inbox/${mailboxId}/${message.id}${query}`, { replace }),
    [navigate, mailboxId, query],
  );
  const close = useCallback(() => {
    const index = rows.findIndex((item) => item.id === messageId);
    navigate(`/inbox/${mailboxId}${query}`);
    if (index >= 0) {
      setCurrent(index);
      requestAnimationFrame(() => list.current?.focusRow(index));
    }
  }, [navigate, mailboxId, query, rows, messageId]);

  function showWaiting() {
    queryClient.setQueryData<Pages>(key, (data) => insertMessages(data, waiting));
    setWaiting([]);
    setCurrent(0);
    list.current?.scrollToTop();
    list.current?.focusRow(0);
  }

  function act(action: MessageAction, message: MessageSummary) {
    if (action === "view") open(message);
    else setDialog({ action, message });
  }

  function done(action: DialogAction, message: MessageSummary) {
    setDialog(null);
    const address = message.from.address.toLowerCase();
    const index = rows.findIndex((item) => item.id === message.id);
    if (action === "delete" || action === "block") {
      // Shown at once here; the live events bring the same to every other reader.
      patchAll((data) => {
        let next = data;
        for (const row of rows) if (row.id === message.id || (action === "block" && row.from.address.toLowerCase() === address)) next = removeMessage(next, row.id);
        return next;
      });
      setRemoved((before) => new Set(before).add(message.id));
      focusAfter.current = Math.max(0, index);
      if (messageId) navigate(`/inbox/${mailboxId}${query}`);
    } else {
      patchAll((data) => {
        let next = data;
        for (const row of rows) if (row.from.address.toLowerCase() === address) next = replaceMessage(next, { ...row, authorFound: true });
        return next;
      });
      void queryClient.invalidateQueries({ queryKey: ["message", mailboxId] });
      if (index >= 0 && !messageId) refocus.current = index;
    }
  }

  function cancelDialog() {
    const message = dialog?.message;
    setDialog(null);
    const index = rows.findIndex((item) => item.id === message?.id);
    if (!messageId && index >= 0) refocus.current = index;
  }

  // Back to the row the dialog was about, once the dialog is gone.
  useEffect(() => {
    if (dialog || refocus.current === null) return;
    const index = refocus.current;
    refocus.current = null;
    list.current?.focusRow(index);
  }, [dialog]);

  // j/k or arrows move through the list (and the open message follows), Enter opens, Esc goes back, # deletes.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (keyBelongsElsewhere(event)) return;
      const shown = latest.current.rows;
      const onRow = event.target instanceof HTMLElement && event.target.getAttribute("role") === "row";
      const move = (delta: number) => {
        event.preventDefault();
        // The first key press brings the focus to the list; the next ones move through it.
        const next = Math.max(0, Math.min(shown.length - 1, onRow || messageId ? current + delta : current));
        setCurrent(next);
        list.current?.focusRow(next);
        if (messageId && shown[next] && shown[next].id !== messageId) open(shown[next], true);
      };
      const target = messageId ? shown.find((item) => item.id === messageId) : shown[current];
      if (event.key === "j" || event.key === "ArrowDown") move(1);
      else if (event.key === "k" || event.key === "ArrowUp") move(-1);
      else if (event.key === "Escape" && messageId) {
        event.preventDefault();
        close();
      } else if (event.key === "#" && target) {
        event.preventDefault();
        setDialog({ action: "delete", message: target });
      } else if (event.key === "Enter" && !messageId && shown[current] && (event.target === document.body || event.target === document.getElementById("main"))) {
        event.preventDefault();
        open(shown[current]);
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [current, messageId, open, close]);

  function setFilter(name: keyof InboxFilters, value: string) {
    setParams(withFilter(params, name, value), { replace: true });
  }

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    setFilter("q", search.trim());
  }

  const split = wide && reading;
  const listShown = !reading || wide;
  return (
    <div className="inbox-page">
      <PageHeader title="Inbox" />
      {!mailbox.own && (
        <Notice tone="info" title={`You are reading ${mailbox.name}'s mailbox`}>
          You see their incoming mail because they gave you access.
        </Notice>
      )}
      <form className="filters card" role="search" aria-label="Filter messages" onSubmit={submitSearch}>
        <SelectField
          label="Mailbox"
          options={switcherOptions(choices)}
          value={mailboxId}
          onChange={(event) => navigate(`/inbox/${event.target.value}`)}
        />
        <TextField label="Search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} onBlur={() => setFilter("q", search.trim())} placeholder="Sender, subject or text" />
        <SelectField label="Author" options={authorOptions} value={filters.author} onChange={(event) => setFilter("author", event.target.value)} />
        <TextField label="From date" type="date" value={filters.from} onChange={(event) => setFilter("from", event.target.value)} />
        <TextField label="To date" type="date" value={filters.to} onChange={(event) => setFilter("to", event.target.value)} />
      </form>
      {meanwhile !== null && (
        <div className="notice notice-info notice-row" role="status">
          <span>
            Back online: {meanwhile === 0 ? "nothing new arrived" : `${meanwhile} ${meanwhile === 1 ? "message" : "messages"} arrived`} meanwhile.
          </span>
          <button type="button" className="button button-quiet" onClick={() => setMeanwhile(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className={`inbox-workspace ${split ? "inbox-split" : ""}`}>
        {listShown && (
          <div className="inbox-list-column">
            {waiting.length > 0 && (
              <button type="button" className="button button-primary new-messages" onClick={showWaiting}>
                {waiting.length} new {waiting.length === 1 ? "message" : "messages"}
              </button>
            )}
            {messages.isError ? (
              <div className="card card-body">The messages could not be loaded: {messages.error.message}</div>
            ) : rows.length === 0 ? (
              <EmptyList pending={messages.isPending} filtered={params.size > 0} own={mailbox.own} state={mailbox.status.state} />
            ) : (
              <MessageList
                ref={list}
                rows={rows}
                ownerName={mailbox.name}
                own={mailbox.own}
                compact={split}
                openId={messageId}
                current={Math.min(current, rows.length - 1)}
                hasMore={messages.hasNextPage}
                loadingMore={messages.isFetchingNextPage}
                onNearEnd={() => void messages.fetchNextPage()}
                onScrolledFromTop={(top) => (atTop.current = top)}
                onCurrent={setCurrent}
                onOpen={(message) => open(message)}
                onAction={act}
              />
            )}
          </div>
        )}
        {reading && messageId && (
          <div className="inbox-reading">
            <MessageView
              key={messageId}
              mailboxId={mailboxId}
              id={messageId}
              own={mailbox.own}
              removed={removed.has(messageId)}
              onAction={(action, message) => setDialog({ action, message })}
              onBack={close}
              beside={split}
            />
          </div>
        )}
      </div>
      {dialog && <ActionDialog action={dialog.action} message={dialog.message} onDone={(action) => done(action, dialog.message)} onCancel={cancelDialog} />}
    </div>
  );
}

function EmptyList({ pending, filtered, own, state }: { pending: boolean; filtered: boolean; own: boolean; state: string }) {
  return (
    <div className="card card-body empty-state">
      {pending ? (
        <p className="muted">Loading messages…</p>
      ) : filtered ? (
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
  );
}
