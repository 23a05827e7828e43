import type { QueryFunctionContext } from "@tanstack/react-query";
import { api } from "../../api/client";
import { laterStatus } from "../../shared/mailboxStatus";
import type { ConnectionTest, FolderList, MailboxStatus, MailSettings, MailSettingsRequest, QuarantinedMessage } from "../../api/types";

export const mailSettingsKey = ["mail-settings"] as const;
export const mailboxStatusKey = ["mailbox-status"] as const;
export const quarantineKey = ["quarantine"] as const;

export const getMailSettings = () => api<MailSettings>("GET", "/api/me/mail-settings");
export const saveMailSettings = (settings: MailSettingsRequest) => api<MailSettings>("PUT", "/api/me/mail-settings", settings);
/** Tests and folder loading take the form as it is, before it is saved. */
export const testImap = (settings: MailSettingsRequest) => api<ConnectionTest>("POST", "/api/me/mail-settings/imap/test", settings);
export const loadFolders = (settings: MailSettingsRequest) => api<FolderList>("POST", "/api/me/mail-settings/imap/folders", settings);
export const testSmtp = () => api<ConnectionTest>("POST", "/api/me/mail-settings/smtp/test");
export const sendTestEmail = (to: string) => api<ConnectionTest>("POST", "/api/me/mail-settings/smtp/test-email", { to });

export const getMailboxStatus = () => api<MailboxStatus>("GET", "/api/me/mailbox/status");

/** The status strip's fetch: an answer read before a push already shown does not replace it. */
export const fetchMailboxStatus = async ({ client }: QueryFunctionContext) =>
  laterStatus(client.getQueryData<MailboxStatus>(mailboxStatusKey), await getMailboxStatus());
export const getQuarantine = () => api<QuarantinedMessage[]>("GET", "/api/me/mailbox/quarantine");
export const retryQuarantined = (id: string) => api<{ ok: boolean }>("POST", `/api/me/mailbox/quarantine/${encodeURIComponent(id)}/retry`);
export const dropQuarantined = (id: string) => api<void>("DELETE", `/api/me/mailbox/quarantine/${encodeURIComponent(id)}`);
