import { useEffect, useRef, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { PageHeader, TextField } from "../../shared/ui";
import { customersKey, listCustomers, type CustomerCategory } from "./api";
import { CustomerForm } from "./CustomerForm";
import "./customers.css";

export const categoryWords: Record<CustomerCategory, string> = { customer: "Customer", lead: "Lead" };

/** Customers and leads, searched by name or address (the search is in the address bar, so it can be bookmarked). */
export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [search, setSearch] = useState(q);
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const customers = useQuery({ queryKey: [...customersKey, q], queryFn: () => listCustomers(q), placeholderData: keepPreviousData });

  // Typing searches after a short pause, without a button.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (search.trim() === q) return;
      setParams(search.trim() ? { q: search.trim() } : {}, { replace: true });
    }, 250);
    return () => clearTimeout(timer);
  }, [search, q, setParams]);

  const rows = customers.data ?? [];
  return (
    <>
      <PageHeader title="Customers">
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          New customer
        </button>
      </PageHeader>
      <form className="card customer-filters" role="search" aria-label="Find customers" onSubmit={(event) => event.preventDefault()}>
        <TextField label="Search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Name or email address" />
      </form>
      <div className="card">
        {customers.isError ? (
          <p className="card-body">The customers could not be loaded: {customers.error.message}</p>
        ) : rows.length === 0 ? (
          <div className="card-body empty-state">
            {customers.isPending ? (
              <p className="muted">Loading customers…</p>
            ) : q ? (
              <p>No customer or lead matches “{q}”.</p>
            ) : (
              <>
                <p>No customers or leads yet.</p>
                <p className="muted">Add one with “New customer”, or from a message in the Inbox.</p>
              </>
            )}
          </div>
        ) : (
          <table className="table customers">
            <caption className="visually-hidden">Customers and leads</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Category</th>
                <th scope="col">Email addresses</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((customer) => (
                <tr key={customer.id}>
                  <td>
                    <Link to={`/customers/${encodeURIComponent(customer.id)}`} className="customer-name">
                      {customer.name || "(no name)"}
                    </Link>
                  </td>
                  <td>
                    <span className={`badge badge-${customer.category}`}>{categoryWords[customer.category] ?? customer.category}</span>
                  </td>
                  <td className="customer-addresses">{customer.emails.join(", ") || <span className="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {creating && <NewCustomerDialog onClose={() => setCreating(false)} onCreated={(id) => navigate(`/customers/${encodeURIComponent(id)}`)} />}
    </>
  );
}

function NewCustomerDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="new-customer-title" onClose={onClose}>
      <h2 id="new-customer-title">New customer</h2>
      <CustomerForm
        customer={null}
        onSaved={(customer) => onCreated(customer.id)}
        actions={(pending) => (
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={pending}>
              Create
            </button>
          </div>
        )}
      />
    </dialog>
  );
}
