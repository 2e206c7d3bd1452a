export { parseConnectionUri } from "./uri.js";
export { connectionFromEnvironment, connectionEnvName } from "./environment.js";
export { requireConnection, requireVariable, getConnection, type LookupContext } from "./lookup.js";
