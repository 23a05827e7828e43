// The My Profile → Mail form as the person edits it (strings in inputs), and the API's shape on either side.

import type { ImapSecurity, MailSettings, MailSettingsRequest, ProcessMode, SmtpAuth, SmtpSecurity } from "../../api/types";
import { normaliseKey, type FieldErrors } from "../../shared/fieldErrors";
import { toPort } from "../../shared/port";

export interface MailForm {
  enabled: boolean;
  process: ProcessMode;
  historic: boolean;
  historicFrom: string;
  markAsRead: boolean;
  denyList: string;
  adminIds: string[];
  username: string;
  /** Empty: keep the saved password. */
  password: string;
  imapServer: string;
  imapPort: string;
  imapSecurity: ImapSecurity;
  imapDontValidateCertificate: boolean;
  sentFolder: string;
  smtpEnabled: boolean;
  replyTo: string;
  useSystem: boolean;
  smtpServer: string;
  smtpPort: string;
  smtpSecurity: SmtpSecurity;
  smtpAuth: SmtpAuth;
  smtpDontValidateCertificate: boolean;
}

export function toForm(settings: MailSettings): MailForm {
  return {
    enabled: settings.tracking.enabled,
    process: settings.tracking.process,
    historic: settings.tracking.historicFrom !== null,
    historicFrom: settings.tracking.historicFrom ?? "",
    markAsRead: settings.tracking.markAsRead,
    denyList: settings.tracking.denyList.join("\n"),
    adminIds: [...settings.access.adminIds],
    username: settings.credentials.username,
    password: "",
    imapServer: settings.imap.server,
    imapPort: String(settings.imap.port),
    imapSecurity: settings.imap.security,
    imapDontValidateCertificate: settings.imap.dontValidateCertificate,
    sentFolder: settings.imap.sentFolder ?? "",
    smtpEnabled: settings.smtp.enabled,
    replyTo: settings.smtp.replyTo ?? "",
    useSystem: settings.smtp.useSystem,
    smtpServer: settings.smtp.server ?? "",
    smtpPort: String(settings.smtp.port),
    smtpSecurity: settings.smtp.security,
    smtpAuth: settings.smtp.auth,
    smtpDontValidateCertificate: settings.smtp.dontValidateCertificate,
  };
}

/** The deny list's non-blank lines, and for each the line of the text area it came from (1-based). */
export function denyListLines(text: string): { entries: string[]; lineOf: number[] } {
  const entries: string[] = [];
  const lineOf: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim()) {
      entries.push(line.trim());
      lineOf.push(index + 1);
    }
  });
  return { entries, lineOf };
}

const blankToNull = (text: string) => (text.trim() ? text.trim() : null);

export function toRequest(form: MailForm): MailSettingsRequest {
  return {
    tracking: {
      enabled: form.enabled,
      process: form.process,
      historicFrom: form.historic && form.historicFrom ? form.historicFrom : null,
      markAsRead: form.markAsRead,
      denyList: denyListLines(form.denyList).entries,
    },
    access: { adminIds: form.adminIds },
    credentials: { username: form.username.trim(), password: form.password ? form.password : null },
    imap: {
      server: form.imapServer.trim(),
      port: toPort(form.imapPort),
      security: form.imapSecurity,
      dontValidateCertificate: form.imapDontValidateCertificate,
      sentFolder: blankToNull(form.sentFolder),
    },
    smtp: {
      enabled: form.smtpEnabled,
      replyTo: blankToNull(form.replyTo),
      useSystem: form.useSystem,
      server: blankToNull(form.smtpServer),
      port: toPort(form.smtpPort),
      security: form.smtpSecurity,
      auth: form.smtpAuth,
      dontValidateCertificate: form.smtpDontValidateCertificate,
    },
  };
}

/**
 * Deny-list errors name the line of the text area, not the index of the entry sent (blank lines are not
 * sent): "line 2: 'foo@' is not …" becomes "line 4: …" when two blank lines came before it.
 */
export function denyListErrors(errors: FieldErrors, form: MailForm): string[] {
  const { lineOf } = denyListLines(form.denyList);
  const messages: string[] = [];
  for (const [rawKey, list] of Object.entries(errors)) {
    const key = normaliseKey(rawKey);
    const match = /^tracking\.denyList\[(\d+)\]$/.exec(key);
    if (key === "tracking.denyList") {
      messages.push(...list);
    } else if (match) {
      const line = lineOf[Number(match[1])];
      messages.push(...list.map((message) => (line === undefined ? message : message.replace(/^line \d+:/, `line ${line}:`))));
    }
  }
  return messages;
}

/** Every field key the form shows next to a control; anything else is listed above the form. */
export const mailFormFields = [
  "tracking.enabled",
  "tracking.process",
  "tracking.historicFrom",
  "tracking.markAsRead",
  "tracking.denyList",
  "access.adminIds",
  "credentials.username",
  "credentials.password",
  "imap.server",
  "imap.port",
  "imap.security",
  "imap.dontValidateCertificate",
  "imap.sentFolder",
  "smtp.enabled",
  "smtp.replyTo",
  "smtp.useSystem",
  "smtp.server",
  "smtp.port",
  "smtp.security",
  "smtp.auth",
  "smtp.dontValidateCertificate",
] as const;
