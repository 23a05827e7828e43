import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { Admin, FolderList, MailSettings } from "../../api/types";
import { errorsFor, unclaimedErrors, type FieldErrors } from "../../shared/fieldErrors";
import { CheckField, Notice, PageHeader, Section, SelectField, TextAreaField, TextField } from "../../shared/ui";
import { imapSecurityOptions, smtpAuthOptions, smtpSecurityOptions } from "../../shared/mailOptions";
import { describeTest, type Outcome } from "../../shared/words";
import { adminsKey, listAdmins } from "../admins";
import { useMe } from "../auth/session";
import {
  getMailSettings,
  loadFolders,
  mailboxStatusKey,
  mailSettingsKey,
  saveMailSettings,
  sendTestEmail,
  testImap,
  testSmtp,
} from "./api";
import { MailboxStatusStrip } from "./MailboxStatusStrip";
import { denyListErrors, mailFormFields, toForm, toRequest, type MailForm } from "./mailForm";
import { QuarantineList } from "./QuarantineList";

export function MailSettingsPage() {
  const settings = useQuery({ queryKey: mailSettingsKey, queryFn: getMailSettings });
  return (
    <>
      <PageHeader title="My Profile → Mail" />
      <MailboxStatusStrip />
      {settings.data ? (
        <MailSettingsForm saved={settings.data} />
      ) : (
        <p className="muted">{settings.isError ? `The settings could not be loaded: ${settings.error.message}` : "Loading your mail settings…"}</p>
      )}
      <QuarantineList />
    </>
  );
}

function outcomeOf(error: unknown): Outcome {
  return { ok: false, headline: "The request failed", detail: error instanceof Error ? error.message : String(error) };
}

function OutcomeNotice({ outcome }: { outcome: Outcome | null }) {
  if (!outcome) return null;
  return (
    <Notice tone={outcome.ok ? "ok" : "error"} title={outcome.headline}>
      {outcome.detail}
    </Notice>
  );
}

function MailSettingsForm({ saved }: { saved: MailSettings }) {
  const queryClient = useQueryClient();
  const me = useMe().data;
  const admins = useQuery({ queryKey: adminsKey, queryFn: listAdmins });
  const [form, setForm] = useState<MailForm>(() => toForm(saved));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [folders, setFolders] = useState<FolderList["folders"] | null>(null);
  const [imapOutcome, setImapOutcome] = useState<Outcome | null>(null);
  const [smtpOutcome, setSmtpOutcome] = useState<Outcome | null>(null);
  const [saveOutcome, setSaveOutcome] = useState<Outcome | null>(null);
  const [testTo, setTestTo] = useState(me?.email ?? "");
  const [hasPassword, setHasPassword] = useState(saved.credentials.hasPassword);

  useEffect(() => {
    if (me?.email) setTestTo((current) => current || me.email);
  }, [me?.email]);

  const set = <K extends keyof MailForm>(key: K, value: MailForm[K]) => setForm((current) => ({ ...current, [key]: value }));
  const fieldErrors = (field: string) => errorsFor(errors, field);

  /** A 400 puts its messages next to the fields; anything else is the outcome's message. */
  function takeProblem(error: unknown, show: (outcome: Outcome) => void, headline: string) {
    if (error instanceof ApiError && error.status === 400) {
      setErrors(error.fieldErrors);
      show({ ok: false, headline, detail: "Correct the fields marked in red." });
    } else {
      show(outcomeOf(error));
    }
  }

  const load = useMutation({
    mutationFn: () => loadFolders(toRequest(form)),
    onMutate: () => setImapOutcome(null),
    onSuccess: (result) => {
      setErrors({});
      if (!result.ok) {
        setImapOutcome(describeTest(result, ""));
        return;
      }
      setFolders(result.folders);
      set("sentFolder", result.sentFolder ?? "");
      setImapOutcome({
        ok: true,
        headline: `Loaded ${result.folders.length} folders`,
        detail: result.sentFolder ? `Sent emails are in \u201c${result.sentFolder}\u201d.` : "No Sent folder was found: choose one.",
      });
    },
    onError: (error) => takeProblem(error, setImapOutcome, "The IMAP settings are not complete"),
  });

  const testConnection = useMutation({
    mutationFn: () => testImap(toRequest(form)),
    onMutate: () => setImapOutcome(null),
    onSuccess: (result) => {
      setErrors({});
      setImapOutcome(describeTest(result, "Connection works: connected, logged in and listed the folders."));
    },
    onError: (error) => takeProblem(error, setImapOutcome, "The IMAP settings are not complete"),
  });

  const testSmtpConnection = useMutation({
    mutationFn: testSmtp,
    onMutate: () => setSmtpOutcome(null),
    onSuccess: (result) => setSmtpOutcome(describeTest(result, "SMTP connection works: connected and logged in.")),
    onError: (error) => takeProblem(error, setSmtpOutcome, "SMTP is not set up"),
  });

  const sendTest = useMutation({
    mutationFn: () => sendTestEmail(testTo.trim()),
    onMutate: () => setSmtpOutcome(null),
    onSuccess: (result) => setSmtpOutcome(describeTest(result, `Test email sent to ${testTo.trim()}.`)),
    onError: (error) => takeProblem(error, setSmtpOutcome, "The test email was not sent"),
  });

  const save = useMutation({
    mutationFn: () => saveMailSettings(toRequest(form)),
    onMutate: () => setSaveOutcome(null),
    onSuccess: (result) => {
      setErrors({});
      queryClient.setQueryData(mailSettingsKey, result);
      setHasPassword(result.credentials.hasPassword);
      setForm((current) => ({ ...current, password: "" }));
      setSaveOutcome({ ok: true, headline: "Saved", detail: form.enabled ? "Inbox processing follows the new settings now." : null });
      void queryClient.invalidateQueries({ queryKey: mailboxStatusKey });
    },
    onError: (error) => takeProblem(error, setSaveOutcome, "Not saved"),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const otherAdmins = (admins.data ?? []).filter((admin: Admin) => admin.id !== me?.id);
  const folderOptions = [
    { value: "", label: "Not chosen" },
    ...(folders ?? (form.sentFolder ? [{ name: form.sentFolder, specialUse: null }] : [])).map((folder) => ({
      value: folder.name,
      label: folder.specialUse ? `${folder.name} (${folder.specialUse})` : folder.name,
    })),
  ];
  const leftOver = unclaimedErrors(errors, mailFormFields);
  const smtpOwnServer = !form.useSystem;

  return (
    <form className="settings-form" onSubmit={submit} noValidate aria-label="Mail settings">
      {leftOver.length > 0 && (
        <Notice tone="error" title="Not saved">
          <ul>
            {leftOver.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </Notice>
      )}

      <Section title="Email tracking" description="Which mail of your mailbox the service imports and pairs with customers.">
        <CheckField
          asSwitch
          label="Enable inbox processing"
          checked={form.enabled}
          onChange={(value) => set("enabled", value)}
          hint="Starts or stops the live sync at once."
        />
        <fieldset className="field">
          <legend>Which messages to process</legend>
          <div className="radio-row">
            {(["all", "unread"] as const).map((mode) => (
              <label key={mode} className="radio">
                <input type="radio" name="process" value={mode} checked={form.process === mode} onChange={() => set("process", mode)} />
                {mode === "all" ? "All" : "Unread"}
              </label>
            ))}
          </div>
        </fieldset>
        <CheckField
          asSwitch
          label="Process old (historic) messages"
          checked={form.historic}
          onChange={(value) => set("historic", value)}
          hint="Off: only mail that arrives from now on."
        />
        {form.historic && (
          <TextField
            label="From date"
            type="date"
            className="field-narrow"
            value={form.historicFrom}
            onChange={(event) => set("historicFrom", event.target.value)}
            errors={fieldErrors("tracking.historicFrom")}
          />
        )}
        <CheckField
          label="Mark as read"
          checked={form.markAsRead}
          onChange={(value) => set("markAsRead", value)}
          hint="Marks a message read on the server once it is stored."
        />
        <TextAreaField
          label="Deny list"
          rows={4}
          value={form.denyList}
          onChange={(event) => set("denyList", event.target.value)}
          hint="One address (user@example.com) or domain (example.com, with its subdomains) per line. Mail from them is not imported."
          errors={denyListErrors(errors, form)}
          spellCheck={false}
        />
      </Section>

      <Section title="Access settings" description="Admins who may read your incoming mail.">
        <fieldset className="field">
          <legend>Admins with access</legend>
          {otherAdmins.length === 0 ? (
            <p className="muted">{admins.isLoading ? "Loading admins…" : "There are no other admins yet."}</p>
          ) : (
            <div className="check-grid">
              {otherAdmins.map((admin) => (
                <CheckField
                  key={admin.id}
                  label={admin.name || admin.login}
                  checked={form.adminIds.includes(admin.id)}
                  onChange={(value) =>
                    set("adminIds", value ? [...form.adminIds, admin.id] : form.adminIds.filter((id) => id !== admin.id))
                  }
                />
              ))}
            </div>
          )}
          {fieldErrors("access.adminIds").length > 0 && (
            <ul className="field-errors">
              {fieldErrors("access.adminIds").map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          )}
        </fieldset>
      </Section>

      <Section title="Credentials" description="The account of your mailbox, used for IMAP and, unless the system SMTP is used, for sending.">
        <div className="field-row">
          <TextField
            label="Username"
            autoComplete="off"
            value={form.username}
            onChange={(event) => set("username", event.target.value)}
            errors={fieldErrors("credentials.username")}
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(event) => set("password", event.target.value)}
            placeholder={hasPassword ? "••••••••" : ""}
            hint={hasPassword ? "A password is saved. Leave empty to keep it." : "No password is saved yet."}
            errors={fieldErrors("credentials.password")}
          />
        </div>
      </Section>

      <Section title="IMAP settings" description="Where your mail is read from.">
        <div className="field-row">
          <TextField
            label="IMAP server"
            className="field-wide"
            value={form.imapServer}
            onChange={(event) => set("imapServer", event.target.value)}
            placeholder="imap.example.com"
            errors={fieldErrors("imap.server")}
          />
          <TextField
            label="IMAP port"
            className="field-narrow"
            inputMode="numeric"
            value={form.imapPort}
            onChange={(event) => set("imapPort", event.target.value)}
            errors={fieldErrors("imap.port")}
          />
          <SelectField
            label="Use SSL"
            className="field-narrow"
            options={imapSecurityOptions}
            value={form.imapSecurity}
            onChange={(event) => set("imapSecurity", event.target.value as MailForm["imapSecurity"])}
            errors={fieldErrors("imap.security")}
          />
        </div>
        <CheckField
          label="Don't validate certificate"
          checked={form.imapDontValidateCertificate}
          onChange={(value) => set("imapDontValidateCertificate", value)}
          hint="Only for a server with a self-signed certificate that you trust."
        />
        <div className="field-row field-row-end">
          <SelectField
            label="Folder of sent emails"
            className="field-wide"
            options={folderOptions}
            value={form.sentFolder}
            onChange={(event) => set("sentFolder", event.target.value)}
            errors={fieldErrors("imap.sentFolder")}
          />
          <button type="button" className="button" onClick={() => load.mutate()} disabled={load.isPending}>
            {load.isPending ? "Loading…" : "Load"}
          </button>
        </div>
        <div className="actions">
          <button type="button" className="button" onClick={() => testConnection.mutate()} disabled={testConnection.isPending}>
            Test connection
          </button>
          {testConnection.isPending && <span className="muted">Connecting…</span>}
        </div>
        <div aria-live="polite">
          <OutcomeNotice outcome={imapOutcome} />
        </div>
      </Section>

      <Section title="SMTP settings" description="How mail you write to customers is sent.">
        <CheckField label="Enable sending" checked={form.smtpEnabled} onChange={(value) => set("smtpEnabled", value)} />
        <TextField
          label="Reply to"
          type="email"
          value={form.replyTo}
          onChange={(event) => set("replyTo", event.target.value)}
          hint="Where customers' answers go; empty: your own address."
          errors={fieldErrors("smtp.replyTo")}
        />
        <CheckField
          label="Use system SMTP"
          checked={form.useSystem}
          onChange={(value) => set("useSystem", value)}
          hint="Send through the server a super-admin set up in Config → Email, from its sender address."
        />
        <div className="field-row">
          <TextField
            label="SMTP server"
            className="field-wide"
            value={form.smtpServer}
            disabled={!smtpOwnServer}
            onChange={(event) => set("smtpServer", event.target.value)}
            placeholder="smtp.example.com"
            errors={fieldErrors("smtp.server")}
          />
          <TextField
            label="SMTP port"
            className="field-narrow"
            inputMode="numeric"
            value={form.smtpPort}
            disabled={!smtpOwnServer}
            onChange={(event) => set("smtpPort", event.target.value)}
            hint="Usually 25, 465 or 587."
            errors={fieldErrors("smtp.port")}
          />
        </div>
        <div className="field-row">
          <SelectField
            label="SMTP security mode"
            options={smtpSecurityOptions}
            value={form.smtpSecurity}
            disabled={!smtpOwnServer}
            onChange={(event) => set("smtpSecurity", event.target.value as MailForm["smtpSecurity"])}
            errors={fieldErrors("smtp.security")}
          />
          <SelectField
            label="SMTP authentication type"
            options={smtpAuthOptions}
            value={form.smtpAuth}
            disabled={!smtpOwnServer}
            onChange={(event) => set("smtpAuth", event.target.value as MailForm["smtpAuth"])}
            errors={fieldErrors("smtp.auth")}
          />
        </div>
        <CheckField
          label="Don't validate the SMTP certificate"
          checked={form.smtpDontValidateCertificate}
          disabled={!smtpOwnServer}
          onChange={(value) => set("smtpDontValidateCertificate", value)}
        />
        <div className="subsection">
          <h3>Check sending</h3>
          <p className="hint">These use the saved SMTP settings: save your changes first.</p>
          <div className="actions">
            <button type="button" className="button" onClick={() => testSmtpConnection.mutate()} disabled={testSmtpConnection.isPending}>
              Test SMTP connection
            </button>
            {(testSmtpConnection.isPending || sendTest.isPending) && <span className="muted">Talking to the server…</span>}
          </div>
          <div className="field-row field-row-end">
            <TextField label="Test email to" type="email" className="field-wide" value={testTo} onChange={(event) => setTestTo(event.target.value)} />
            <button type="button" className="button" onClick={() => sendTest.mutate()} disabled={sendTest.isPending || !testTo.trim()}>
              Send test email
            </button>
          </div>
          <div aria-live="polite">
            <OutcomeNotice outcome={smtpOutcome} />
          </div>
        </div>
      </Section>

      <div className="save-bar">
        <div aria-live="polite" className="save-outcome">
          {saveOutcome && (
            <span className={saveOutcome.ok ? "text-ok" : "text-error"}>
              <strong>{saveOutcome.headline}</strong> {saveOutcome.detail}
            </span>
          )}
        </div>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}
