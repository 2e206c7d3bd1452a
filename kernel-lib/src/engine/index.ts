export * from "./triggerRules.js";
export * from "./retry.js";
export * from "./runEngine.js";
