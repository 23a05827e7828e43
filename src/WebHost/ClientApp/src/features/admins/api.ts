import { api } from "../../api/client";
import type { Admin, NewAdmin } from "../../api/types";

export const adminsKey = ["admins"] as const;
export const listAdmins = () => api<Admin[]>("GET", "/api/admins");
export const createAdmin = (admin: NewAdmin) => api<Admin>("POST", "/api/admins", admin);
