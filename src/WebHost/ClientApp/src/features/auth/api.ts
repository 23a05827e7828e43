import { api, ApiError } from "../../api/client";
import type { Admin } from "../../api/types";

export const meKey = ["me"] as const;

export const login = (credentials: { login: string; password: string }) => api<Admin>("POST", "/api/auth/login", credentials);

export const logout = () => api<void>("POST", "/api/auth/logout");

/** The signed-in admin, or null when nobody is. */
export async function fetchMe(): Promise<Admin | null> {
  try {
    return await api<Admin>("GET", "/api/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}
