import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { onUnauthorized } from "../api/client";
import type { Admin } from "../api/types";
import { AdminsPage } from "../features/admins";
import { LoginPage, meKey, useMe } from "../features/auth";
import { SystemSmtpPage } from "../features/config";
import { InboxPage } from "../features/inbox";
import { CustomerPage, CustomersPage } from "../features/customers";
import { NotFoundPage } from "../features/placeholders";
import { OperationsPage } from "../features/operations";
import { MailSettingsPage } from "../features/profile";
import { LiveChannel } from "./live";
import { Shell } from "./Shell";

/** A 401 from any request: forget who was signed in and come back here after signing in again. */
function useSignInOnUnauthorized() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = location.pathname + location.search;
  useEffect(
    () =>
      onUnauthorized(() => {
        queryClient.setQueryData(meKey, null);
        if (!here.startsWith("/login")) navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
      }),
    [queryClient, navigate, here],
  );
}

function SuperAdminOnly({ me, children }: { me: Admin; children: React.ReactElement }) {
  return me.role === "superadmin" ? children : <NotFoundPage />;
}

function SignedIn() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <p className="splash">Loading…</p>;
  if (me.isError) return <p className="splash">The server cannot be reached. Reload the page to try again.</p>;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const admin = me.data;
  return (
    <LiveChannel adminId={admin.id}>
      <Routes>
        <Route element={<Shell me={admin} />}>
          <Route index element={<Navigate to="/inbox" replace />} />
          <Route path="inbox" element={<InboxPage />} />
          <Route path="inbox/:adminId/*" element={<InboxPage />} />
          <Route path="customers" element={<CustomersPage />} />
          <Route path="customers/:customerId" element={<CustomerPage />} />
          <Route path="profile" element={<Navigate to="/profile/mail" replace />} />
          <Route path="profile/mail" element={<MailSettingsPage />} />
          <Route path="config/email" element={<SuperAdminOnly me={admin}><SystemSmtpPage /></SuperAdminOnly>} />
          <Route path="admins" element={<SuperAdminOnly me={admin}><AdminsPage /></SuperAdminOnly>} />
          <Route path="operations" element={<SuperAdminOnly me={admin}><OperationsPage /></SuperAdminOnly>} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </LiveChannel>
  );
}

export function App() {
  useSignInOnUnauthorized();
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/*" element={<SignedIn />} />
    </Routes>
  );
}
