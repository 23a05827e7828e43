import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { OAuthApplication, OAuthProviderKind } from "../../api/types";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { Notice, Section, SelectField, TextAreaField, TextField } from "../../shared/ui";
import {
  createOAuthApplication,
  deleteOAuthApplication,
  getOAuthApplications,
  oauthApplicationsKey,
  updateOAuthApplication,
} from "./api";
import { providerLabel, providerOptions, toOAuthForm, toOAuthRequest, withKind, type OAuthForm } from "./oauthForm";

const fields = ["kind", "displayName", "tenant", "authority", "clientId", "clientSecret", "scopes"];

/** Config → Email → OAuth applications: the client registrations admins sign in with for their mail. */
export function OAuthApplicationsPanel() {
  const registrations = useQuery({ queryKey: oauthApplicationsKey, queryFn: getOAuthApplications });
  const queryClient = useQueryClient();
  // null: no form open; "new": adding one; else the registration being changed.
  const [editing, setEditing] = useState<OAuthApplication | "new" | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const remove = useMutation({
    mutationFn: (application: OAuthApplication) => deleteOAuthApplication(application.id),
    onSuccess: (_, application) => {
      void queryClient.invalidateQueries({ queryKey: oauthApplicationsKey });
      setOutcome({ ok: true, text: `${application.displayName} removed.` });
    },
    onError: (error) => setOutcome({ ok: false, text: `Not removed: ${error.message}` }),
  });

  return (
    <Section
      title="OAuth applications"
      description="For mail at Microsoft 365, Google Workspace or your own identity provider: register this service there as a web application, then enter the registration here. (The “Sign in with …” button in My Profile is not there yet.)"
    >
      {registrations.data ? (
        <>
          <RedirectUri value={registrations.data.redirectUri} />
          {registrations.data.applications.length === 0 ? (
            <p className="muted">No OAuth application is registered.</p>
          ) : (
            <table className="table" aria-label="OAuth applications">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {registrations.data.applications.map((application) => (
                  <tr key={application.id}>
                    <td>{application.displayName}</td>
                    <td>{providerLabel(application.kind)}{application.tenant ? ` (${application.tenant})` : ""}</td>
                    <td>{application.clientId}</td>
                    <td>
                      <button type="button" className="button button-quiet" onClick={() => { setOutcome(null); setEditing(application); }} aria-label={`Edit ${application.displayName}`}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button-quiet button-danger"
                        disabled={remove.isPending}
                        onClick={() => { if (window.confirm(`Remove ${application.displayName}? Admins signed in with it must use a password again.`)) remove.mutate(application); }}
                        aria-label={`Remove ${application.displayName}`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div aria-live="polite" className="save-outcome">
            {outcome && <span className={outcome.ok ? "text-ok" : "text-error"}>{outcome.text}</span>}
          </div>
          {editing === null ? (
            <button type="button" className="button" onClick={() => { setOutcome(null); setEditing("new"); }}>
              Add OAuth application
            </button>
          ) : (
            <OAuthApplicationForm
              key={editing === "new" ? "new" : editing.id}
              saved={editing === "new" ? null : editing}
              onDone={(text) => { setEditing(null); if (text) setOutcome({ ok: true, text }); }}
            />
          )}
        </>
      ) : (
        <p className="muted">{registrations.isError ? `The OAuth applications could not be loaded: ${registrations.error.message}` : "Loading…"}</p>
      )}
    </Section>
  );
}

function RedirectUri({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(value);
    setCopied(true);
  }
  return (
    <div className="field-row field-row-end">
      <TextField
        label="Redirect URI"
        className="field-wide"
        readOnly
        value={value}
        onFocus={(event) => event.target.select()}
        hint="Register exactly this address as the redirect (reply) URI of the application at the provider."
      />
      <button type="button" className="button" onClick={() => void copy()}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

function OAuthApplicationForm({ saved, onDone }: { saved: OAuthApplication | null; onDone: (outcome: string | null) => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<OAuthForm>(() => toOAuthForm(saved));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const set = <K extends keyof OAuthForm>(key: K, value: OAuthForm[K]) => setForm((current) => ({ ...current, [key]: value }));

  const save = useMutation({
    mutationFn: () => (saved ? updateOAuthApplication(saved.id, toOAuthRequest(form)) : createOAuthApplication(toOAuthRequest(form))),
    onMutate: () => setProblem(null),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: oauthApplicationsKey });
      onDone(`${result.displayName} saved.`);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(error.fieldErrors);
        setProblem("Not saved: correct the fields marked in red.");
      } else {
        setProblem(`Not saved: ${error.message}`);
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const leftOver = unclaimedErrors(errors, fields);
  const title = saved ? `Edit ${saved.displayName}` : "New OAuth application";
  return (
    <form className="settings-form" onSubmit={submit} noValidate aria-label={title}>
      <h3>{title}</h3>
      {leftOver.length > 0 && <Notice tone="error" title="Not saved">{leftOver.join(" ")}</Notice>}
      <div className="field-row">
        <SelectField
          label="Provider"
          options={providerOptions}
          value={form.kind}
          onChange={(e) => setForm((current) => withKind(current, e.target.value as OAuthProviderKind))}
          errors={errorsFor(errors, "kind")}
        />
        <TextField label="Name on the sign-in button" value={form.displayName} onChange={(e) => set("displayName", e.target.value)} errors={errorsFor(errors, "displayName")} />
      </div>
      {form.kind === "microsoft" && (
        <TextField
          label="Tenant"
          value={form.tenant}
          placeholder="isp.example or the directory (tenant) id"
          hint="The directory of your Microsoft 365 accounts; “organizations” lets any work account sign in."
          onChange={(e) => set("tenant", e.target.value)}
          errors={errorsFor(errors, "tenant")}
        />
      )}
      {form.kind === "openIdConnect" && (
        <TextField
          label="Authority"
          className="field-wide"
          value={form.authority}
          placeholder="https://login.isp.example/realms/staff"
          hint="The provider's issuer URL; its discovery document names every endpoint."
          onChange={(e) => set("authority", e.target.value)}
          errors={errorsFor(errors, "authority")}
        />
      )}
      <div className="field-row">
        <TextField label="Client id" autoComplete="off" value={form.clientId} onChange={(e) => set("clientId", e.target.value)} errors={errorsFor(errors, "clientId")} />
        <TextField
          label="Client secret"
          type="password"
          autoComplete="new-password"
          value={form.clientSecret}
          placeholder={saved?.hasClientSecret ? "••••••••" : ""}
          hint={saved?.hasClientSecret ? "A secret is saved. Leave empty to keep it." : "No secret is saved yet."}
          onChange={(e) => set("clientSecret", e.target.value)}
          errors={errorsFor(errors, "clientSecret")}
        />
      </div>
      <TextAreaField
        label="Scopes"
        rows={3}
        value={form.scopes}
        placeholder={saved ? saved.effectiveScopes.join("\n") : ""}
        hint="One per line. Leave empty for what IMAP and SMTP need at this provider."
        onChange={(e) => set("scopes", e.target.value)}
        errors={errorsFor(errors, "scopes")}
      />
      <div className="save-bar">
        <div aria-live="polite" className="save-outcome">{problem && <span className="text-error">{problem}</span>}</div>
        <button type="button" className="button" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save application
        </button>
      </div>
    </form>
  );
}
