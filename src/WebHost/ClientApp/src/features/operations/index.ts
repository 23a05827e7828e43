export { OperationsPage } from "./OperationsPage";
