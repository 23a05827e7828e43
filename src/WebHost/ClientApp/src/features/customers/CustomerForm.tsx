import { useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { Notice, SelectField, TextAreaField, TextField } from "../../shared/ui";
import { parseAddresses } from "./addresses";
import { communicationKey, createCustomer, customerKey, customersKey, updateCustomer, type Customer, type CustomerCategory } from "./api";

const fields = ["name", "category", "emails"];
const categories = [
  { value: "customer", label: "Customer" },
  { value: "lead", label: "Lead" },
];

/**
 * Name, category and addresses of a new or existing customer. A 409 (an address of another customer or lead) is
 * shown under "Email addresses", naming the holder as the server does.
 */
export function CustomerForm({
  customer,
  onSaved,
  actions,
}: {
  customer: Customer | null;
  onSaved: (customer: Customer) => void;
  actions: (pending: boolean) => ReactNode;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(customer?.name ?? "");
  const [category, setCategory] = useState<CustomerCategory>(customer?.category ?? "customer");
  const [emails, setEmails] = useState((customer?.emails ?? []).join("\n"));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), category, emails: parseAddresses(emails) };
      return customer ? updateCustomer(customer.id, body) : createCustomer(body);
    },
    onSuccess: (saved) => {
      setErrors({});
      setFailure(null);
      queryClient.setQueryData(customerKey(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: customersKey });
      // Saving pairs the mail of its addresses: the conversation has new items at once.
      void queryClient.invalidateQueries({ queryKey: communicationKey });
      onSaved(saved);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(error.fieldErrors);
        setFailure(null);
      } else if (error instanceof ApiError && error.status === 409) {
        setErrors({ emails: [conflictWords(error.problem.detail ?? error.message)] });
        setFailure(null);
      } else {
        setFailure(error.message);
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const leftOver = unclaimedErrors(errors, fields);
  return (
    <form onSubmit={submit} noValidate>
      {(failure || leftOver.length > 0) && (
        <Notice tone="error" title="Not saved">
          {failure ?? leftOver.join(" ")}
        </Notice>
      )}
      <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} errors={errorsFor(errors, "name")} autoComplete="off" />
      <SelectField label="Category" options={categories} value={category} onChange={(event) => setCategory(event.target.value as CustomerCategory)} errors={errorsFor(errors, "category")} />
      <TextAreaField
        label="Email addresses"
        className="customer-emails"
        rows={3}
        value={emails}
        onChange={(event) => setEmails(event.target.value)}
        hint="One address a line. Mail from and to these addresses is paired with this customer."
        errors={errorsFor(errors, "emails")}
      />
      {actions(save.isPending)}
    </form>
  );
}

/**
 * The server names the address and its holder ("x@y already belongs to Ann (3f2a…); …"): said as a sentence that
 * starts with words rather than an address, without the holder's internal id.
 */
export function conflictWords(detail: string): string {
  return `The address ${detail.replace(/ \([0-9a-f]{16,}\)/i, "")}`;
}
