// What other parts of the app may use of My Profile.
export { mailboxStatusKey, quarantineKey } from "./api";
export { MailSettingsPage } from "./MailSettingsPage";
