import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { SmtpAuth, SmtpSecurity, SystemSmtp } from "../../api/types";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { CheckField, Notice, PageHeader, Section, SelectField, TextField } from "../../shared/ui";
import { smtpAuthOptions, smtpSecurityOptions } from "../../shared/mailOptions";
import { toPort } from "../../shared/port";
import { getSystemSmtp, saveSystemSmtp, systemSmtpKey } from "./api";
import { OAuthApplicationsPanel } from "./OAuthApplicationsPanel";

interface SmtpForm {
  server: string;
  port: string;
  security: SmtpSecurity;
  auth: SmtpAuth;
  dontValidateCertificate: boolean;
  username: string;
  password: string;
  senderEmail: string;
  senderName: string;
}

const toForm = (saved: SystemSmtp): SmtpForm => ({
  server: saved.server ?? "",
  port: saved.port === null ? "587" : String(saved.port),
  security: saved.security ?? "starttls",
  auth: saved.auth ?? "plain",
  dontValidateCertificate: saved.dontValidateCertificate,
  username: saved.username ?? "",
  password: "",
  senderEmail: saved.senderEmail ?? "",
  senderName: saved.senderName ?? "",
});

const fields = ["server", "port", "security", "auth", "dontValidateCertificate", "username", "password", "senderEmail", "senderName"];

export function SystemSmtpPage() {
  const saved = useQuery({ queryKey: systemSmtpKey, queryFn: getSystemSmtp });
  return (
    <>
      <PageHeader title="Config → Email" />
      {saved.data ? (
        <SystemSmtpForm saved={saved.data} />
      ) : (
        <p className="muted">{saved.isError ? `The settings could not be loaded: ${saved.error.message}` : "Loading…"}</p>
      )}
      <OAuthApplicationsPanel />
    </>
  );
}

function SystemSmtpForm({ saved }: { saved: SystemSmtp }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<SmtpForm>(() => toForm(saved));
  const [hasPassword, setHasPassword] = useState(saved.hasPassword);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const set = <K extends keyof SmtpForm>(key: K, value: SmtpForm[K]) => setForm((current) => ({ ...current, [key]: value }));

  const save = useMutation({
    mutationFn: () =>
      saveSystemSmtp({
        server: form.server.trim() || null,
        port: toPort(form.port),
        security: form.security,
        auth: form.auth,
        dontValidateCertificate: form.dontValidateCertificate,
        username: form.username.trim() || null,
        password: form.password || null,
        senderEmail: form.senderEmail.trim() || null,
        senderName: form.senderName.trim() || null,
      }),
    onMutate: () => setOutcome(null),
    onSuccess: (result) => {
      queryClient.setQueryData(systemSmtpKey, result);
      setErrors({});
      setHasPassword(result.hasPassword);
      set("password", "");
      setOutcome({ ok: true, text: "Saved. Admins who use the system SMTP send through it now." });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(error.fieldErrors);
        setOutcome({ ok: false, text: "Not saved: correct the fields marked in red." });
      } else {
        setOutcome({ ok: false, text: `Not saved: ${error.message}` });
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const leftOver = unclaimedErrors(errors, fields);
  return (
    <form className="settings-form" onSubmit={submit} noValidate aria-label="System SMTP">
      {leftOver.length > 0 && <Notice tone="error" title="Not saved">{leftOver.join(" ")}</Notice>}
      <Section title="System SMTP" description="The server that sends for every admin who ticks “Use system SMTP”, and the sender they send as.">
        <div className="field-row">
          <TextField label="SMTP server" className="field-wide" value={form.server} onChange={(e) => set("server", e.target.value)} placeholder="smtp.example.com" errors={errorsFor(errors, "server")} />
          <TextField label="SMTP port" className="field-narrow" inputMode="numeric" value={form.port} onChange={(e) => set("port", e.target.value)} errors={errorsFor(errors, "port")} />
        </div>
        <div className="field-row">
          <SelectField
            label="SMTP security mode"
            options={smtpSecurityOptions}
            value={form.security}
            onChange={(e) => set("security", e.target.value as SmtpSecurity)}
            errors={errorsFor(errors, "security")}
          />
          <SelectField
            label="SMTP authentication type"
            options={smtpAuthOptions}
            value={form.auth}
            onChange={(e) => set("auth", e.target.value as SmtpAuth)}
            errors={errorsFor(errors, "auth")}
          />
        </div>
        <div className="field-row">
          <TextField label="Username" autoComplete="off" value={form.username} onChange={(e) => set("username", e.target.value)} errors={errorsFor(errors, "username")} />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            placeholder={hasPassword ? "••••••••" : ""}
            hint={hasPassword ? "A password is saved. Leave empty to keep it." : "No password is saved yet."}
            onChange={(e) => set("password", e.target.value)}
            errors={errorsFor(errors, "password")}
          />
        </div>
        <div className="field-row">
          <TextField label="Sender's email" type="email" value={form.senderEmail} onChange={(e) => set("senderEmail", e.target.value)} errors={errorsFor(errors, "senderEmail")} />
          <TextField label="Sender's name" value={form.senderName} onChange={(e) => set("senderName", e.target.value)} errors={errorsFor(errors, "senderName")} />
        </div>
        <CheckField
          label="Don't validate certificate"
          checked={form.dontValidateCertificate}
          onChange={(value) => set("dontValidateCertificate", value)}
          hint="Only for a server with a self-signed certificate that you trust."
        />
      </Section>
      <div className="save-bar">
        <div aria-live="polite" className="save-outcome">
          {outcome && <span className={outcome.ok ? "text-ok" : "text-error"}>{outcome.text}</span>}
        </div>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save
        </button>
      </div>
    </form>
  );
}
