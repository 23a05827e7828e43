import { useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { Notice, PageHeader } from "../../shared/ui";
import { customerKey, getCustomer } from "./api";
import { CommunicationTab } from "./CommunicationTab";
import { CustomerForm } from "./CustomerForm";
import { categoryWords } from "./CustomersPage";
import "./customers.css";

type Tab = "communication" | "details";

/** One customer or lead: the Communication tab (the conversation and sending), and Details to edit it. */
export function CustomerPage() {
  const { customerId = "" } = useParams();
  const customer = useQuery({ queryKey: customerKey(customerId), queryFn: () => getCustomer(customerId) });
  const [tab, setTab] = useState<Tab>("communication");
  const [saved, setSaved] = useState(false);
  const id = useId();

  if (customer.isPending) return <p className="muted">Loading the customer…</p>;
  if (customer.isError)
    return (
      <>
        <PageHeader title="Customer" />
        <Notice tone="error" title="This customer could not be loaded">
          {customer.error.message} <Link to="/customers">Back to the customers</Link>
        </Notice>
      </>
    );

  const data = customer.data;
  const tabs: { value: Tab; label: string }[] = [
    { value: "communication", label: "Communication" },
    { value: "details", label: "Details" },
  ];
  return (
    <>
      <p className="breadcrumb">
        <Link to="/customers">Customers</Link>
      </p>
      <PageHeader title={data.name || "(no name)"}>
        <span className={`badge badge-${data.category} badge-large`}>{categoryWords[data.category] ?? data.category}</span>
      </PageHeader>
      <p className="customer-emails-line muted">{data.emails.length ? data.emails.join(" · ") : "No email address yet."}</p>
      <div className="tabs" role="tablist" aria-label="Customer">
        {tabs.map((item) => (
          <button
            key={item.value}
            type="button"
            role="tab"
            id={`${id}-${item.value}-tab`}
            aria-controls={`${id}-${item.value}`}
            aria-selected={tab === item.value}
            tabIndex={tab === item.value ? 0 : -1}
            className="tab"
            onClick={() => setTab(item.value)}
            onKeyDown={(event) => {
              if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
              // Two tabs: either arrow moves to the other one, and focus follows (the ARIA tabs pattern).
              const next = tab === "communication" ? "details" : "communication";
              setTab(next);
              document.getElementById(`${id}-${next}-tab`)?.focus();
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-${tab}`} aria-labelledby={`${id}-${tab}-tab`} className="tabpanel">
        {tab === "communication" ? (
          <CommunicationTab customer={data} />
        ) : (
          <section className="card card-body">
            <div aria-live="polite">{saved && <Notice tone="ok" title="Saved">Mail from and to these addresses is paired with this customer.</Notice>}</div>
            <CustomerForm
              key={data.id}
              customer={data}
              onSaved={() => setSaved(true)}
              actions={(pending) => (
                <div className="actions">
                  <button type="submit" className="button button-primary" disabled={pending}>
                    Save
                  </button>
                </div>
              )}
            />
          </section>
        )}
      </div>
    </>
  );
}
