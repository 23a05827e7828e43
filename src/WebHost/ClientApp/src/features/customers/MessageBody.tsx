import { useQuery } from "@tanstack/react-query";
import { MessageFrame } from "../../shared/MessageFrame";
import { getMessageBody } from "./api";

/** A message's body in a conversation, rendered as in the Inbox: HTML only ever inside the sandboxed frame. */
export function MessageBody({ mailboxId, messageId, title }: { mailboxId: string; messageId: string; title: string }) {
  const body = useQuery({ queryKey: ["message-body", mailboxId, messageId], queryFn: () => getMessageBody(mailboxId, messageId), staleTime: Infinity });
  if (body.isPending) return <p className="muted">Loading the message…</p>;
  if (body.isError) return <p className="text-error">The message could not be loaded: {body.error.message}</p>;
  const { htmlBody, textBody } = body.data;
  if (htmlBody) return <MessageFrame className="conversation-body" mailboxId={mailboxId} messageId={messageId} title={`Message: ${title}`} />;
  if (textBody) return <pre className="conversation-body conversation-text">{textBody}</pre>;
  return <p className="muted">This message has no text.</p>;
}
