export { InboxPage } from "./InboxPage";
export { mailboxesKey, messagesKey } from "./api";
