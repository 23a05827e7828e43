import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router";
import type { Admin } from "../api/types";
import { logout } from "../features/auth";
import { useLive, type LiveState } from "./live";
import { Shortcuts } from "./Shortcuts";

const liveWords: Record<LiveState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Disconnected",
};

function LiveIndicator() {
  const { state } = useLive();
  return (
    <span className={`live live-${state}`} role="status" aria-label={`Live updates: ${liveWords[state]}`}>
      <span className="live-dot" aria-hidden="true" />
      {liveWords[state]}
    </span>
  );
}

export function Shell({ me }: { me: Admin }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { announcement } = useLive();
  const [signingOut, setSigningOut] = useState(false);
  const superAdmin = me.role === "superadmin";

  async function signOut() {
    setSigningOut(true);
    try {
      await logout();
    } catch {
      // Signed out already (the session ended elsewhere): the sign-in page is right either way.
    }
    queryClient.clear();
    navigate("/login", { replace: true });
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            S
          </span>
          Splynx mail
        </div>
        <div className="topbar-right">
          <LiveIndicator />
          <span className="who">
            Signed in as <strong>{me.name || me.login}</strong>
            {superAdmin && <span className="badge badge-superadmin">Super-admin</span>}
          </span>
          <button type="button" className="button button-quiet" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          <li>
            <NavLink to="/inbox">Inbox</NavLink>
          </li>
          <li>
            <NavLink to="/customers">Customers</NavLink>
          </li>
          <li>
            <NavLink to="/profile/mail">My Profile</NavLink>
          </li>
        </ul>
        {superAdmin && (
          <>
            <p className="sidebar-heading" aria-hidden="true">
              Administration
            </p>
            <ul>
              <li>
                <NavLink to="/config/email">Config → Email</NavLink>
              </li>
              <li>
                <NavLink to="/admins">Admins</NavLink>
              </li>
              <li>
                <NavLink to="/operations">Operations</NavLink>
              </li>
            </ul>
          </>
        )}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <Shortcuts />
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </div>
  );
}
