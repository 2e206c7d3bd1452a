/**
 * Kitelab's configuration: an Airflow-compatible airflow.cfg in the Kitelab home, overridden
 * by KITELAB__SECTION__KEY / AIRFLOW__SECTION__KEY environment variables.
 */
export { ConfigError, type ConfigProblem } from "./configError.js";
export { loadConfig, loadConfigOrThrow, envVarName, type LoadConfigOptions } from "./loadConfig.js";
export { resolveHome, ensureConfigFile, configPathIn, CONFIG_FILE_NAME, type ConfigEnv } from "./home.js";
export { defaultConfigText } from "./defaultText.js";
export { setConfigValueInText, writeConfigValue } from "./edit.js";
export {
  configRows,
  unusedRows,
  getConfigValue,
  suggestConfigKey,
  hasSection,
  renderIni,
  describeSource,
  MASK,
  type ConfigRow,
} from "./inspect.js";
export { parseBoolean } from "./values.js";
export { parseIni, type IniDocument, type IniSection, type IniEntry, type IniProblem } from "./ini.js";
export type {
  KitelabConfig,
  ConfigSections,
  CoreConfig,
  SchedulerConfig,
  LoggingConfig,
  DatabaseConfig,
  WebserverConfig,
  SmtpConfig,
  EmailConfig,
  ExecutorName,
  ConfigSource,
  UnusedKey,
} from "./types.js";
