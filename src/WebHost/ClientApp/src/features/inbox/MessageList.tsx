import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { MessageSummary } from "../../api/types";
import { ActionsMenu, type MessageAction } from "./ActionsMenu";
import { shortDate } from "./mailboxOrder";

/** Every row is this tall, so that tens of thousands of them are laid out without being measured. */
export const ROW_HEIGHT = 84;

export interface MessageListHandle {
  scrollToTop: () => void;
  focusRow: (index: number) => void;
}

interface Props {
  rows: MessageSummary[];
  ownerName: string;
  own: boolean;
  compact: boolean;
  openId: string | null;
  current: number;
  hasMore: boolean;
  loadingMore: boolean;
  onNearEnd: () => void;
  onScrolledFromTop: (atTop: boolean) => void;
  onCurrent: (index: number) => void;
  onOpen: (message: MessageSummary) => void;
  onAction: (action: MessageAction, message: MessageSummary) => void;
}

/**
 * The messages as a table whose rows are drawn only where the reader looks (a window of a few dozen rows
 * however long the list), loading the next page as its end comes into view.
 */
export const MessageList = forwardRef<MessageListHandle, Props>(function MessageList(props, handle) {
  const { rows, ownerName, own, compact, openId, current, hasMore, loadingMore, onNearEnd, onScrolledFromTop, onCurrent, onOpen, onAction } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (index) => rows[index]?.id ?? "more",
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 10) onNearEnd();
  }, [hasMore, loadingMore, lastIndex, rows.length, onNearEnd]);

  useImperativeHandle(handle, () => ({
    scrollToTop: () => {
      scroller.current?.scrollTo({ top: 0 });
      onScrolledFromTop(true);
    },
    focusRow: (index: number) => {
      virtualizer.scrollToIndex(index, { align: "auto" });
      // The row exists once the window moved there; a dialog closing in the same moment hands the focus back to
      // where it was opened (often gone), so it is placed again once that settled.
      const place = () => scroller.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus({ preventScroll: true });
      requestAnimationFrame(() => {
        place();
        setTimeout(() => {
          if (document.activeElement === document.body || document.activeElement === null) place();
        }, 60);
      });
    },
  }));

  return (
    <div
      ref={scroller}
      className={`message-list card ${compact ? "message-list-compact" : ""}`}
      onScroll={(event) => onScrolledFromTop(event.currentTarget.scrollTop < 8)}
    >
      <div role="table" aria-label={`Messages of ${ownerName}, newest first`} aria-rowcount={hasMore ? -1 : rows.length + 1}>
        <div role="rowgroup" className="message-head-row">
          <div role="row" className="message-row message-row-head" aria-rowindex={1}>
            <span role="columnheader" className="cell-from">
              From
            </span>
            <span role="columnheader" className="cell-subject">
              Subject
            </span>
            <span role="columnheader" className="cell-date">
              Date
            </span>
            <span role="columnheader" className="cell-actions">
              <span className="visually-hidden">Actions</span>
            </span>
          </div>
        </div>
        <div role="rowgroup" className="message-rows" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const message = rows[item.index];
            if (!message) {
              return (
                <div key={item.key} role="row" className="message-row message-row-more" style={{ transform: `translateY(${item.start}px)` }}>
                  <span role="cell" className="muted">
                    Loading older messages…
                  </span>
                </div>
              );
            }
            return (
              <MessageRow
                key={item.key}
                index={item.index}
                top={item.start}
                message={message}
                own={own}
                open={message.id === openId}
                current={item.index === current}
                onFocus={() => onCurrent(item.index)}
                onOpen={() => onOpen(message)}
                onAction={(action) => onAction(action, message)}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
});

function MessageRow({
  index,
  top,
  message,
  own,
  open,
  current,
  onFocus,
  onOpen,
  onAction,
}: {
  index: number;
  top: number;
  message: MessageSummary;
  own: boolean;
  open: boolean;
  current: boolean;
  onFocus: () => void;
  onOpen: () => void;
  onAction: (action: MessageAction) => void;
}) {
  const sender = message.direction === "out" ? message.to[0] : message.from;
  const senderName = message.direction === "out" ? `To: ${sender?.name || sender?.address || ""}` : sender?.name || sender?.address || "";
  const subject = message.subject || "(no subject)";
  return (
    <div
      role="row"
      data-index={index}
      aria-rowindex={index + 2}
      aria-selected={open}
      tabIndex={current ? 0 : -1}
      className={`message-row ${open ? "message-row-open" : ""}`}
      style={{ transform: `translateY(${top}px)` }}
      onFocus={(event) => event.target === event.currentTarget && onFocus()}
      onClick={onOpen}
      onKeyDown={(event) => {
        if (event.key === "Enter" && event.target === event.currentTarget) {
          event.preventDefault();
          onOpen();
        }
      }}
    >
      <span role="cell" className="cell-from">
        <span className="sender">{senderName}</span>
        {sender?.name && <span className="muted sender-address">{sender.address}</span>}
        {!message.authorFound && <span className="badge badge-warn">Author not found</span>}
      </span>
      <span role="cell" className="cell-subject">
        <span className="subject-line">
          <span className="subject">{subject}</span>
          {message.hasAttachments && (
            <span className="attachment-mark" title="Has attachments">
              <PaperclipIcon />
              <span className="visually-hidden">Has attachments</span>
            </span>
          )}
        </span>
        {message.snippet && <span className="snippet muted">{message.snippet}</span>}
      </span>
      <span role="cell" className="cell-date">
        <time dateTime={message.date} title={new Date(message.date).toLocaleString("en-GB")}>
          {shortDate(message.date)}
        </time>
      </span>
      <span role="cell" className="cell-actions">
        <ActionsMenu own={own} label={`${subject} from ${senderName}`} onAction={onAction} />
      </span>
    </div>
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
