import { api } from "../../api/client";
import type { OAuthApplication, OAuthApplicationRequest, OAuthApplications, SystemSmtp, SystemSmtpRequest } from "../../api/types";

export const systemSmtpKey = ["system-smtp"] as const;
export const getSystemSmtp = () => api<SystemSmtp>("GET", "/api/system/smtp");
export const saveSystemSmtp = (settings: SystemSmtpRequest) => api<SystemSmtp>("PUT", "/api/system/smtp", settings);

export const oauthApplicationsKey = ["oauth-applications"] as const;
const oauthApplicationsPath = "/api/system/oauth-applications";
export const getOAuthApplications = () => api<OAuthApplications>("GET", oauthApplicationsPath);
export const createOAuthApplication = (request: OAuthApplicationRequest) => api<OAuthApplication>("POST", oauthApplicationsPath, request);
export const updateOAuthApplication = (id: string, request: OAuthApplicationRequest) =>
  api<OAuthApplication>("PUT", `${oauthApplicationsPath}/${encodeURIComponent(id)}`, request);
export const deleteOAuthApplication = (id: string) => api<void>("DELETE", `${oauthApplicationsPath}/${encodeURIComponent(id)}`);
