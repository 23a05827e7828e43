export { AdminsPage } from "./AdminsPage";
export { adminsKey, listAdmins } from "./api";
