import { api } from "../../api/client";
import type { SystemSmtp, SystemSmtpRequest } from "../../api/types";

export const systemSmtpKey = ["system-smtp"] as const;
export const getSystemSmtp = () => api<SystemSmtp>("GET", "/api/system/smtp");
export const saveSystemSmtp = (settings: SystemSmtpRequest) => api<SystemSmtp>("PUT", "/api/system/smtp", settings);
