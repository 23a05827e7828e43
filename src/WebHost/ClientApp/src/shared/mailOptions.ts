import type { SmtpAuth, SmtpSecurity } from "../api/types";

/** The choices of the mail-server selects, worded the same on every screen that asks for them. */
export const imapSecurityOptions = [
  { value: "ssl", label: "SSL" },
  { value: "starttls", label: "STARTTLS" },
  { value: "none", label: "None" },
];

export const smtpSecurityOptions: { value: SmtpSecurity; label: string }[] = [
  { value: "none", label: "None" },
  { value: "starttls", label: "STARTTLS" },
  { value: "ssl", label: "SSL" },
];

export const smtpAuthOptions: { value: SmtpAuth; label: string }[] = [
  { value: "none", label: "None" },
  { value: "plain", label: "PLAIN" },
  { value: "login", label: "LOGIN" },
  { value: "cram-md5", label: "CRAM-MD5" },
];
