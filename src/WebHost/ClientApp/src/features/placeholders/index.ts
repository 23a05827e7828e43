export { ComingSoonPage, NotFoundPage } from "./ComingSoonPage";
