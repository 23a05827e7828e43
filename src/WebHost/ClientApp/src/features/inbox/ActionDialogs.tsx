import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { MessageSummary } from "../../api/types";
import { Notice, SelectField, TextField } from "../../shared/ui";
import { addCustomerFromMessage, blockSender, deleteMessage, pairMessage, searchCustomers } from "./api";
import { Dialog } from "./Dialog";
import type { CustomerCategory } from "./types";

export type DialogAction = "pair" | "add-customer" | "block" | "delete";

interface Props {
  action: DialogAction;
  message: MessageSummary;
  /** Called after the server agreed; the live events bring the result to every browser, this one included. */
  onDone: (action: DialogAction) => void;
  onCancel: () => void;
}

const senderOf = (message: MessageSummary) => message.from.name || message.from.address;

/** The dialog of one action on one message. */
export function ActionDialog(props: Props) {
  switch (props.action) {
    case "pair":
      return <PairDialog {...props} />;
    case "add-customer":
      return <AddCustomerDialog {...props} />;
    case "block":
      return (
        <ConfirmDialog
          {...props}
          title="Block email"
          confirm="Block email"
          run={() => blockSender(props.message.mailboxId, props.message.id)}
          text={
            <>
              <p>
                <strong>{props.message.from.address}</strong> is added to your deny list. Every message from this address is removed from your
                mailbox here, and their future mail is not imported.
              </p>
              <p className="muted">The mail stays on your mail server.</p>
            </>
          }
        />
      );
    case "delete":
      return (
        <ConfirmDialog
          {...props}
          title="Delete message"
          confirm="Delete message"
          run={() => deleteMessage(props.message.mailboxId, props.message.id)}
          text={
            <>
              <p>
                “{props.message.subject || "(no subject)"}” from {senderOf(props.message)} is removed for good, for everyone who reads this
                mailbox. It is never imported again.
              </p>
              <p className="muted">The mail on your mail server is not touched.</p>
            </>
          }
        />
      );
  }
}

function ConfirmDialog({
  action,
  title,
  confirm,
  text,
  run,
  onDone,
  onCancel,
}: Props & { title: string; confirm: string; text: React.ReactNode; run: () => Promise<unknown> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await run();
      onDone(action);
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} onClose={onCancel}>
      <form onSubmit={submit}>
        {text}
        {error && <Notice tone="error" title="It did not work">{error}</Notice>}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          {/* The confirming button takes the focus: Enter confirms, Esc cancels. */}
          <button type="submit" className="button button-danger-solid" disabled={busy} data-autofocus>
            {confirm}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PairDialog({ action, message, onDone, onCancel }: Props) {
  const [search, setSearch] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const results = useQuery({ queryKey: ["customer-search", search.trim()], queryFn: () => searchCustomers(search), enabled: search.trim().length > 0 });

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen) return;
    setBusy(true);
    try {
      await pairMessage(message.mailboxId, message.id, chosen);
      onDone(action);
    } catch (problem) {
      setError(problem instanceof ApiError && problem.status === 409 ? "This address already belongs to another customer or lead." : String((problem as Error).message));
      setBusy(false);
    }
  }

  return (
    <Dialog title="Pair to a customer" onClose={onCancel}>
      <form onSubmit={submit}>
        <p className="muted">
          {message.from.address} is added to the customer or lead you choose, and every message from it is paired.
        </p>
        <TextField
          label="Search customers and leads"
          type="search"
          data-autofocus
          value={search}
          placeholder="Name or email address"
          onChange={(event) => {
            setSearch(event.target.value);
            setChosen(null);
          }}
        />
        {search.trim() && (
          <fieldset className="field pick-list">
            <legend>Customers and leads</legend>
            {results.isPending ? (
              <p className="muted">Searching…</p>
            ) : (results.data ?? []).length === 0 ? (
              <p className="muted">No customer or lead matches “{search.trim()}”.</p>
            ) : (
              (results.data ?? []).map((customer) => (
                <label key={customer.id} className="radio pick">
                  <input type="radio" name="customer" value={customer.id} checked={chosen === customer.id} onChange={() => setChosen(customer.id)} />
                  <span>
                    {customer.name} <span className="badge">{customer.category === "lead" ? "Lead" : "Customer"}</span>
                    <span className="muted pick-emails">{customer.emails.join(", ") || "no email address yet"}</span>
                  </span>
                </label>
              ))
            )}
          </fieldset>
        )}
        {error && <Notice tone="error" title="Not paired">{error}</Notice>}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={!chosen || busy}>
            Pair
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const categories = [
  { value: "customer", label: "Customer" },
  { value: "lead", label: "Lead" },
];

function AddCustomerDialog({ action, message, onDone, onCancel }: Props) {
  const [name, setName] = useState(message.from.name || (message.from.address.split("@")[0] ?? ""));
  // Someone who writes in and is not known yet is most often a prospect.
  const [category, setCategory] = useState<CustomerCategory>("lead");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await addCustomerFromMessage(message.mailboxId, message.id, name.trim(), category);
      onDone(action);
    } catch (problem) {
      if (problem instanceof ApiError && problem.status === 400) setErrors(problem.fieldErrors);
      else setError(problem instanceof ApiError && problem.status === 409 ? "This address already belongs to another customer or lead." : String((problem as Error).message));
      setBusy(false);
    }
  }

  return (
    <Dialog title="Add a customer" onClose={onCancel}>
      <form onSubmit={submit}>
        <p className="muted">With the email address {message.from.address}; their messages are paired with the new customer or lead.</p>
        <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} errors={errors.name} data-autofocus required />
        <SelectField label="Category" options={categories} value={category} onChange={(event) => setCategory(event.target.value as CustomerCategory)} errors={errors.category} />
        {error && <Notice tone="error" title="Not added">{error}</Notice>}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
            Add customer
          </button>
        </div>
      </form>
    </Dialog>
  );
}
