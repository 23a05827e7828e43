import { Link } from "react-router";
import { PageHeader } from "../../shared/ui";

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
