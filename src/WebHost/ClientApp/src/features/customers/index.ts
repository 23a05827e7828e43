// What other parts of the app may use of Customers.
export { CustomersPage } from "./CustomersPage";
export { CustomerPage } from "./CustomerPage";
export { applyEmailStatus, refreshConversations } from "./live";
export type { EmailStatusPush } from "./api";
