import { useEffect, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { MailAddress } from "../../api/types";
import { MessageFrame } from "../../shared/MessageFrame";
import { Notice } from "../../shared/ui";
import type { MessageAction } from "./ActionsMenu";
import { attachmentUrl, getMessage, messageKey } from "./api";
import { fileSize } from "./liveList";
import type { MessageView as View } from "./types";

const addresses = (list: MailAddress[]) => list.map((item) => (item.name ? `${item.name} <${item.address}>` : item.address)).join(", ");

/**
 * One message: headers, the body, attachments and the actions, scrolling as one. HTML is shown only in a frame
 * sandboxed without scripts and without the app's origin, loaded from its own address with its own policy (no remote
 * content), as tall as its content (shared/MessageFrame).
 */
export function MessageView({
  mailboxId,
  id,
  own,
  removed,
  onAction,
  onBack,
  beside,
}: {
  mailboxId: string;
  id: string;
  own: boolean;
  removed: boolean;
  onAction: (action: Exclude<MessageAction, "view">, message: View) => void;
  onBack: () => void;
  /** Shown beside the list (the list is the way back), rather than instead of it. */
  beside: boolean;
}) {
  const message = useQuery({ queryKey: messageKey(mailboxId, id), queryFn: () => getMessage(mailboxId, id), enabled: !removed });
  const heading = useRef<HTMLHeadingElement>(null);
  const loaded = message.data?.id;
  useEffect(() => {
    // A message opened from the list is read from its heading on; the list keeps its own focus on wide screens.
    if (loaded && document.activeElement === document.body) heading.current?.focus();
  }, [loaded]);

  const back = (
    <button type="button" className="button button-quiet" onClick={onBack}>
      ← Back to the inbox
    </button>
  );
  if (removed || (message.error instanceof ApiError && message.error.status === 404)) {
    return (
      <article className="message card" aria-label="Message">
        <div className="card-body">
          <div className="message-toolbar">{back}</div>
          <Notice tone="info" title="This message is gone">
            It was deleted, or its sender was blocked.
          </Notice>
        </div>
      </article>
    );
  }
  if (message.isPending) return <p className="message card card-body muted">Loading the message…</p>;
  if (message.isError) return <Notice tone="error" title="The message could not be loaded">{message.error.message}</Notice>;

  const view = message.data;
  return (
    <article className="message card" aria-labelledby="message-subject">
      <div className="message-head">
        <div className={`message-toolbar ${beside ? "message-toolbar-compact" : ""}`} role="toolbar" aria-label="Message actions">
          {!beside && back}
          {!beside && <span className="toolbar-spacer" />}
          <button type="button" className="button" onClick={() => onAction("pair", view)}>
            Pair to a customer
          </button>
          <button type="button" className="button" onClick={() => onAction("add-customer", view)}>
            Add a customer
          </button>
          {own && (
            <button type="button" className="button button-danger" onClick={() => onAction("block", view)}>
              Block email
            </button>
          )}
          <button type="button" className="button button-danger" onClick={() => onAction("delete", view)}>
            Delete message
          </button>
        </div>
        <h2 id="message-subject" ref={heading} tabIndex={-1}>
          {view.subject || "(no subject)"}
        </h2>
        {!view.authorFound && <span className="badge badge-warn">Author not found</span>}
        <dl className="message-headers">
          <dt>From</dt>
          <dd>{addresses([view.from])}</dd>
          <dt>To</dt>
          <dd>{addresses(view.to) || "—"}</dd>
          {view.cc.length > 0 && (
            <>
              <dt>Cc</dt>
              <dd>{addresses(view.cc)}</dd>
            </>
          )}
          <dt>Date</dt>
          <dd>
            <time dateTime={view.date}>{new Date(view.date).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}</time>
          </dd>
          <dt>Subject</dt>
          <dd>{view.subject || "(no subject)"}</dd>
        </dl>
        {view.attachments.length > 0 && (
          <section aria-label="Attachments" className="attachments">
            <h3 className="visually-hidden">Attachments</h3>
            <ul>
              {view.attachments.map((attachment) => (
                <li key={attachment.id}>
                  <a href={attachmentUrl(mailboxId, view.id, attachment.id)} download={attachment.fileName ?? "attachment"}>
                    {attachment.fileName || "attachment"}
                  </a>{" "}
                  <span className="muted">{fileSize(attachment.size)}</span>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
      {view.htmlBody ? (
        <MessageFrame mailboxId={mailboxId} messageId={view.id} title="Message body" />
      ) : (
        <pre className="message-text">{view.textBody || "(This message has no text.)"}</pre>
      )}
    </article>
  );
}
