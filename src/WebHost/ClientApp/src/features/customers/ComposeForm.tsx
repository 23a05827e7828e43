import { useEffect, useId, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ApiError } from "../../api/client";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { Notice, SelectField, TextAreaField, TextField } from "../../shared/ui";
import { tryAgainIn } from "../../shared/words";
import { customerCommunicationKey, sendEmail, sendsKey, type Customer, type SendingSetup } from "./api";
import { clearDraft, draftKey, loadDraft, saveDraft, type Draft } from "./drafts";
import type { PendingSend } from "./live";

export interface ComposeTarget {
  /** The message answered, or null for a new email. */
  replyToId: string | null;
  /** Prefilled when nothing is kept: "Re: …" on a reply, or what a failed send said. */
  subject: string;
  text?: string;
}

/** How the email will leave, said before sending; null route means sending is off, with the reason. */
export function describeRoute(setup: SendingSetup | undefined): { ok: boolean; words: string } {
  if (!setup) return { ok: false, words: "Checking your sending settings…" };
  const { smtp, credentials } = setup;
  if (!smtp.enabled) return { ok: false, words: "Sending is turned off in your mail settings." };
  const replies = smtp.replyTo ? ` Replies go to ${smtp.replyTo}.` : "";
  if (smtp.useSystem) return { ok: true, words: `Sent through the system SMTP server, from the system sender's address.${replies}` };
  if (!smtp.server) return { ok: false, words: "Your SMTP server is not set up." };
  const from = credentials.username.includes("@") ? ` as ${credentials.username}` : "";
  return { ok: true, words: `Sent through your own SMTP server (${smtp.server})${from}.${replies}` };
}

const fields = ["to", "subject", "text", "inReplyToId"];

export function ComposeForm({
  customer,
  target,
  setup,
  onClose,
}: {
  customer: Customer;
  target: ComposeTarget;
  setup: SendingSetup | undefined;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const titleId = useId();
  const routeId = useId();
  const key = draftKey(customer.id, target.replyToId);
  const [draft, setDraft] = useState<Draft>(
    () => loadDraft(localStorage, key) ?? { to: customer.emails[0] ?? "", subject: target.subject, text: target.text ?? "" },
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const route = describeRoute(setup);
  const noAddress = customer.emails.length === 0;

  useEffect(() => saveDraft(localStorage, key, draft), [key, draft]);

  const send = useMutation({
    mutationFn: () => sendEmail(customer.id, { to: draft.to, subject: draft.subject.trim(), text: draft.text, inReplyToId: target.replyToId }),
    onSuccess: (email) => {
      const pending: PendingSend = {
        ...email,
        customerId: customer.id,
        to: draft.to,
        subject: draft.subject.trim(),
        text: draft.text,
        inReplyToId: target.replyToId,
        at: new Date().toISOString(),
      };
      queryClient.setQueryData<PendingSend[]>(sendsKey(customer.id), (sends) => [pending, ...(sends ?? [])]);
      void queryClient.invalidateQueries({ queryKey: customerCommunicationKey(customer.id) });
      clearDraft(localStorage, key);
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(error.fieldErrors);
        setFailure(null);
      } else if (error instanceof ApiError && error.status === 429) {
        setFailure(`${error.message}${error.retryAfter ? " " + tryAgainIn(error.retryAfter) : ""}`);
      } else {
        setFailure(error.message);
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    send.mutate();
  }

  function discard() {
    clearDraft(localStorage, key);
    onClose();
  }

  const leftOver = unclaimedErrors(errors, fields);
  const blocked = !route.ok || noAddress;
  return (
    <section className="card compose" aria-labelledby={titleId}>
      <form onSubmit={submit} noValidate className="card-body">
        <h2 id={titleId}>{target.replyToId ? "Reply" : "New email"}</h2>
        <p id={routeId} className={route.ok ? "compose-route" : "compose-route compose-route-off"}>
          {route.words}
          {!route.ok && setup && (
            <>
              {" "}
              Set it up in <Link to="/profile/mail">My Profile → Mail</Link> to send from here.
            </>
          )}
          {noAddress && " The customer has no email address: add one under Details first."}
        </p>
        {(failure || leftOver.length > 0) && (
          <Notice tone="error" title="Not sent">
            {failure ?? leftOver.join(" ")}
          </Notice>
        )}
        <SelectField
          label="To"
          options={customer.emails.map((address) => ({ value: address, label: address }))}
          value={draft.to}
          onChange={(event) => setDraft({ ...draft, to: event.target.value })}
          errors={errorsFor(errors, "to")}
        />
        <TextField label="Subject" value={draft.subject} onChange={(event) => setDraft({ ...draft, subject: event.target.value })} errors={errorsFor(errors, "subject")} />
        <TextAreaField
          label="Message"
          className="compose-text"
          rows={8}
          value={draft.text}
          onChange={(event) => setDraft({ ...draft, text: event.target.value })}
          errors={errorsFor(errors, "text")}
          hint="Kept as a draft on this computer until you send or discard it."
        />
        <div className="actions compose-actions">
          <button type="submit" className="button button-primary" disabled={blocked || send.isPending} aria-describedby={routeId}>
            {send.isPending ? "Sending…" : "Send"}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="button button-quiet button-danger" onClick={discard}>
            Discard draft
          </button>
        </div>
      </form>
    </section>
  );
}
