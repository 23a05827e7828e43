export { LoginPage } from "./LoginPage";
export { logout, meKey } from "./api";
export { safeNext, useMe } from "./session";
