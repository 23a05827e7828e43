import { useQuery } from "@tanstack/react-query";
import { getMessageBody } from "./api";

// No script, no plugin, no form, no navigation of the app, and no remote content: besides the app's own policy,
// which a srcdoc frame inherits (so no inline style either), the frame gets one that lets only embedded images in.
const framePolicy = "default-src 'none'; img-src data:";

function escapeText(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** The document put into the frame: the server's safe HTML, or the text body with its line breaks. */
export function frameDocument(html: string | null, text: string | null): string {
  const body = html ?? escapeText(text ?? "").replace(/\r?\n/g, "<br>");
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${framePolicy}"><base target="_blank"></head><body>${body}</body></html>`;
}

/**
 * The frame cannot be measured from here (it has neither scripts nor our origin), so its height is estimated from
 * the text: enough for short mail, and a scroll of its own for long mail.
 */
export function frameHeight(html: string | null, text: string | null): number {
  const plain = text ?? (html ?? "").replace(/<[^>]*>/g, " ");
  const lines = plain.split("\n").reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / 90)), 0);
  return Math.min(480, Math.max(72, lines * 21 + 16));
}

/** A message's body, rendered only ever inside a sandboxed frame. */
export function MessageBody({ mailboxId, messageId, title }: { mailboxId: string; messageId: string; title: string }) {
  const body = useQuery({ queryKey: ["message-body", mailboxId, messageId], queryFn: () => getMessageBody(mailboxId, messageId), staleTime: Infinity });
  if (body.isPending) return <p className="muted">Loading the message…</p>;
  if (body.isError) return <p className="text-error">The message could not be loaded: {body.error.message}</p>;
  const { htmlBody, textBody } = body.data;
  if (!htmlBody && !textBody) return <p className="muted">This message has no text.</p>;
  return (
    <iframe
      className="message-frame"
      title={`Message: ${title}`}
      sandbox=""
      referrerPolicy="no-referrer"
      srcDoc={frameDocument(htmlBody, textBody)}
      style={{ height: frameHeight(htmlBody, textBody) }}
    />
  );
}
