import { useCallback, useEffect, useRef, useState } from "react";

/** The HTML body as its own document, served with its own policy (no script, nothing remote). */
export const messageBodyUrl = (mailboxId: string, messageId: string, layout = false) =>
  `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages/${encodeURIComponent(messageId)}/body${layout ? "?layout=true" : ""}`;

/** Until the layout copy has been measured: about a screenful, which most mail fits. */
const unmeasuredHeight = 320;

/**
 * A message's HTML body, sized to its content. The frame the reader sees runs no script and has an origin of its
 * own, so nothing in the message runs or reaches the app, and the app cannot measure it either. An unseen copy
 * beside it (same document, same no-script policy, but the app's origin) is laid out at the same width, and its
 * height is the reader's frame's: the page scrolls, never a frame inside it. It is measured again when the width
 * changes (a narrower pane wraps more lines).
 */
export function MessageFrame({ mailboxId, messageId, title, className }: { mailboxId: string; messageId: string; title: string; className?: string }) {
  const view = useRef<HTMLIFrameElement>(null);
  const layout = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState<number | null>(null);

  const measure = useCallback(() => {
    const frame = view.current;
    const copy = layout.current;
    const document = copy?.contentDocument;
    if (!frame || !copy || !document?.body || frame.clientWidth === 0) return;
    copy.style.width = `${frame.clientWidth}px`;
    // Reading the height lays the copy out at the width just set.
    setHeight(document.documentElement.scrollHeight);
  }, []);

  useEffect(() => {
    const frame = view.current;
    if (!frame) return;
    let width = frame.clientWidth;
    const observer = new ResizeObserver(() => {
      // Only a new width can change the height; the height this sets must not measure again.
      if (frame.clientWidth === width) return;
      width = frame.clientWidth;
      measure();
    });
    observer.observe(frame);
    return () => observer.disconnect();
  }, [measure]);

  return (
    <div className={`message-frame ${className ?? ""}`}>
      <iframe
        ref={view}
        className="message-frame-view"
        title={title}
        src={messageBodyUrl(mailboxId, messageId)}
        // No allow-scripts, no allow-same-origin: nothing in the message runs, or reaches the app. Links open in a new tab.
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerPolicy="no-referrer"
        style={{ height: height ?? unmeasuredHeight }}
      />
      <iframe
        ref={layout}
        className="message-frame-layout"
        title="Layout copy of the message (hidden)"
        src={messageBodyUrl(mailboxId, messageId, true)}
        // The app's origin, to be measured; still no script, so nothing inside can use it.
        sandbox="allow-same-origin"
        referrerPolicy="no-referrer"
        aria-hidden="true"
        tabIndex={-1}
        inert
        onLoad={measure}
      />
    </div>
  );
}
