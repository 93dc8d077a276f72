// Moved to src/protocol so the web (the commission preview in /admin) computes the same figure.
export { vatIncluded } from "../../protocol/vat.js";
