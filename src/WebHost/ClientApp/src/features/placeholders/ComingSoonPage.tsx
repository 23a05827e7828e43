import { Link } from "react-router";
import { PageHeader } from "../../shared/ui";

/** Screens of the next part (Inbox, Customers, Operations): where they will be, and what works already. */
export function ComingSoonPage({ title, what }: { title: string; what: string }) {
  return (
    <>
      <PageHeader title={title} />
      <div className="card card-body empty-state">
        <p>{what}</p>
        <p className="muted">
          This screen is being built. Meanwhile, set up your mailbox in <Link to="/profile/mail">My Profile → Mail</Link>: the service
          starts importing your mail as soon as inbox processing is enabled.
        </p>
      </div>
    </>
  );
}

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <div className="card card-body empty-state">
        <p>There is nothing at this address.</p>
        <p>
          <Link to="/inbox">Go to the inbox</Link>
        </p>
      </div>
    </>
  );
}
