// The REST and SignalR contract of product.md ("Interfaces"), typed once for every feature.

export type Role = "admin" | "superadmin";

export interface Admin {
  id: string;
  login: string;
  name: string;
  email: string;
  role: Role;
}

export type ProcessMode = "all" | "unread";
export type ImapSecurity = "ssl" | "starttls" | "none";
export type SmtpSecurity = "none" | "starttls" | "ssl";
export type SmtpAuth = "none" | "plain" | "login" | "cram-md5";

export interface MailSettings {
  tracking: { enabled: boolean; process: ProcessMode; historicFrom: string | null; markAsRead: boolean; denyList: string[] };
  access: { adminIds: string[] };
  credentials: { username: string; hasPassword: boolean };
  imap: { server: string; port: number; security: ImapSecurity; dontValidateCertificate: boolean; sentFolder: string | null };
  smtp: {
    enabled: boolean;
    replyTo: string | null;
    useSystem: boolean;
    server: string | null;
    port: number;
    security: SmtpSecurity;
    auth: SmtpAuth;
    dontValidateCertificate: boolean;
  };
}

/** The PUT (and test) body: the password is write-only; absent or null keeps the saved one. */
export type MailSettingsRequest = Omit<MailSettings, "credentials"> & {
  credentials: { username: string; password: string | null };
};

export type ErrorKind = "dns" | "connect" | "tls" | "auth" | "timeout" | "protocol";

export interface ConnectionTest {
  ok: boolean;
  error: string | null;
  errorKind: ErrorKind | string | null;
}

export interface FolderList extends ConnectionTest {
  folders: { name: string; specialUse: string | null }[];
  sentFolder: string | null;
}

export type MailboxState = "disabled" | "connecting" | "syncing" | "idle" | "error";

export interface MailboxStatus {
  state: MailboxState | string;
  error: string | null;
  errorKind: string | null;
  lastSyncAt: string | null;
  messages: number;
  quarantined: number;
  silo: string | null;
  /** When the state was read: a push and a fetch may cross, and the later reading wins. */
  asOf: string;
}

export interface QuarantinedMessage {
  id: string;
  folder: string;
  uid: number;
  subject: string | null;
  error: string;
  at: string;
}

export interface SystemSmtp {
  server: string | null;
  port: number | null;
  security: SmtpSecurity | null;
  auth: SmtpAuth | null;
  dontValidateCertificate: boolean;
  username: string | null;
  hasPassword: boolean;
  senderEmail: string | null;
  senderName: string | null;
}

export type SystemSmtpRequest = Omit<SystemSmtp, "hasPassword"> & { password: string | null };

export interface NewAdmin {
  login: string;
  password: string;
  name: string;
  email: string;
  role: Role;
}

/** SignalR `mailboxStatus` push. */
export interface MailboxStatusPush {
  mailboxId: string;
  status: MailboxStatus;
}

export interface MailAddress {
  address: string;
  name: string | null;
}

export interface MessageSummary {
  id: string;
  mailboxId: string;
  direction: "in" | "out";
  from: MailAddress;
  to: MailAddress[];
  subject: string | null;
  date: string;
  snippet: string | null;
  customerId: string | null;
  authorFound: boolean;
  hasAttachments: boolean;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface MailboxListItem {
  adminId: string;
  name: string;
  own: boolean;
  status: MailboxStatus;
}

export type OAuthProviderKind = "microsoft" | "google" | "openIdConnect";

/** An OAuth application registration (Config → Email); the client secret is never answered. */
export interface OAuthApplication {
  id: string;
  kind: OAuthProviderKind;
  displayName: string;
  tenant: string | null;
  authority: string | null;
  clientId: string;
  hasClientSecret: boolean;
  scopes: string[];
  effectiveScopes: string[];
}

export interface OAuthApplications {
  /** What each registration must list as its redirect URI at the provider. */
  redirectUri: string;
  applications: OAuthApplication[];
}

/** `clientSecret` is write-only: null keeps the saved one. */
export interface OAuthApplicationRequest {
  kind: OAuthProviderKind;
  displayName: string;
  tenant: string | null;
  authority: string | null;
  clientId: string;
  clientSecret: string | null;
  scopes: string[];
}
