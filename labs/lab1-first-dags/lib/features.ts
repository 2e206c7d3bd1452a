/** What lab 1's DAG uses from labs/shared: its stub and its solution both import it from here. */
export { toMatrix, toVector } from "../../shared/index.js";
