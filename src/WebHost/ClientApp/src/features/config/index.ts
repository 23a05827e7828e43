export { SystemSmtpPage } from "./SystemSmtpPage";
