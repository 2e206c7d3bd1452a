import { DagDefinitionError, describeValue } from "../errors.js";
import { isTriggerRule, TRIGGER_RULES, type TriggerRule } from "../engine/triggerRules.js";
import { toMilliseconds, type Duration } from "../util/duration.js";

/**
 * Options every task accepts (Airflow's BaseOperator arguments, in camelCase).
 * Any of them can also come from the DAG's `defaultArgs`.
 */
export interface TaskSettings {
  /** Retries after the first failed attempt. @default 0 (or `[core] default_task_retries`) */
  retries?: number;
  /** Wait before a retry: `"30s"`, `"5m"`, `{ minutes: 5 }` or milliseconds. @default "5m" */
  retryDelay?: Duration;
  /** Double the wait after each failed attempt, with jitter, as Airflow does. @default false */
  retryExponentialBackoff?: boolean;
  /** Upper bound for any retry wait. @default one day */
  maxRetryDelay?: Duration;
  /** Fail the attempt when it runs longer than this. @default no limit */
  executionTimeout?: Duration;
  /** When the task runs, given its upstream tasks' states. @default "all_success" */
  triggerRule?: TriggerRule;
  /** Who receives this task's alert emails. */
  email?: string | string[];
  /** @default true (`[email] default_email_on_failure`) */
  emailOnFailure?: boolean;
  /** @default true (`[email] default_email_on_retry`) */
  emailOnRetry?: boolean;
  /** Kitelab's addition: mail when the task succeeds. @default false */
  emailOnSuccess?: boolean;
  /** A pool limits how many tasks using it run at once. @default "default_pool" */
  pool?: string;
  /** Slots of the pool this task occupies. @default 1 */
  poolSlots?: number;
  /**
   * With the BullMQ executor, the queue the task is sent to: only `kitelab worker --queues`
   * that include it run the task. Other executors ignore it.
   * @default `[bullmq] default_queue`
   * @example queue: "gpu"
   */
  queue?: string;
  /** Who owns the task (shown in the UI). @default "kitelab" */
  owner?: string;
  /** A setup task (for the all_done_setup_success trigger rule). @default false */
  isSetup?: boolean;
}

/** Every setting resolved to a concrete value. Durations are milliseconds. */
export interface ResolvedTaskSettings {
  retries: number;
  retryDelayMs: number;
  retryExponentialBackoff: boolean;
  maxRetryDelayMs?: number;
  executionTimeoutMs?: number;
  triggerRule: TriggerRule;
  email: string[];
  emailOnFailure: boolean;
  emailOnRetry: boolean;
  emailOnSuccess: boolean;
  pool: string;
  poolSlots: number;
  /** Absent: the executor's default queue. */
  queue?: string;
  owner: string;
  isSetup: boolean;
}

export const DEFAULT_RETRY_DELAY_MS = 5 * 60 * 1000;

/** Defaults that come from airflow.cfg rather than the DAG file. */
export interface ConfiguredTaskDefaults {
  /** `[core] default_task_retries` */
  retries: number;
  /** `[email] default_email_on_failure` */
  emailOnFailure: boolean;
  /** `[email] default_email_on_retry` */
  emailOnRetry: boolean;
}

const DEFAULTS_KEY = Symbol.for("kitelab.configuredTaskDefaults");

/**
 * Sets the config-file defaults for tasks defined in this process from now on. The
 * processes that import DAG files (parser, workers, CLI) call it from airflow.cfg.
 */
export function setConfiguredTaskDefaults(defaults: ConfiguredTaskDefaults): void {
  (globalThis as Record<symbol, unknown>)[DEFAULTS_KEY] = { ...defaults };
}

/** The environment variable that carries the defaults to child processes (parser, workers). */
export const TASK_DEFAULTS_ENV = "KITELAB_TASK_DEFAULTS";

/** Reads the defaults a parent process passed in the environment, if any. */
export function applyConfiguredTaskDefaultsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const text = env[TASK_DEFAULTS_ENV];
  if (!text) return;
  try {
    setConfiguredTaskDefaults(JSON.parse(text) as ConfiguredTaskDefaults);
  } catch {
    // A malformed value is ignored: the built-in defaults apply.
  }
}

function configuredDefaults(): ConfiguredTaskDefaults {
  return (
    ((globalThis as Record<symbol, unknown>)[DEFAULTS_KEY] as ConfiguredTaskDefaults | undefined) ?? {
      retries: 0,
      emailOnFailure: true,
      emailOnRetry: true,
    }
  );
}

const SETTING_KEYS: ReadonlySet<string> = new Set([
  "retries",
  "retryDelay",
  "retryExponentialBackoff",
  "maxRetryDelay",
  "executionTimeout",
  "triggerRule",
  "email",
  "emailOnFailure",
  "emailOnRetry",
  "emailOnSuccess",
  "pool",
  "poolSlots",
  "queue",
  "owner",
  "isSetup",
]);

export function isTaskSettingKey(key: string): boolean {
  return SETTING_KEYS.has(key);
}

/**
 * Merges a task's own settings over the DAG's defaultArgs and checks every value,
 * so a typo fails when the DAG is defined, naming the DAG, the task and the option.
 */
export function resolveTaskSettings(
  own: TaskSettings,
  defaults: TaskSettings,
  where: { dagId?: string; taskId?: string; file?: string },
  warn: (message: string) => void = () => {},
): ResolvedTaskSettings {
  const pick = <K extends keyof TaskSettings>(key: K): TaskSettings[K] =>
    own[key] !== undefined ? own[key] : defaults[key];
  const fail = (message: string): never => {
    throw new DagDefinitionError(message, where);
  };
  const duration = (key: "retryDelay" | "maxRetryDelay" | "executionTimeout"): number | undefined => {
    const value = pick(key);
    if (value === undefined) return undefined;
    try {
      return toMilliseconds(value, key);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const bool = (
    key: "retryExponentialBackoff" | "emailOnFailure" | "emailOnRetry" | "emailOnSuccess" | "isSetup",
    fallback: boolean,
  ): boolean => {
    const value = pick(key);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") fail(`Expected \`${key}\` to be true or false, got ${describeValue(value)}`);
    return value as boolean;
  };

  const configured = configuredDefaults();
  const retries = pick("retries") ?? configured.retries;
  if (!Number.isInteger(retries) || retries < 0) {
    fail(`Expected \`retries\` to be a non-negative integer, got ${describeValue(retries)}`);
  }
  const triggerRule = pick("triggerRule") ?? "all_success";
  if (!isTriggerRule(triggerRule)) {
    fail(
      `Unknown trigger rule ${describeValue(triggerRule)}; use one of ${TRIGGER_RULES.join(", ")}${suggest(String(triggerRule))}`,
    );
  }
  const poolSlots = pick("poolSlots") ?? 1;
  if (!Number.isInteger(poolSlots) || poolSlots < 1) {
    fail(`Expected \`poolSlots\` to be a positive integer, got ${describeValue(poolSlots)}`);
  }
  const pool = pick("pool") ?? "default_pool";
  if (typeof pool !== "string" || pool.length === 0)
    fail(`Expected \`pool\` to be a pool name, got ${describeValue(pool)}`);
  const queue = pick("queue");
  if (queue !== undefined && (typeof queue !== "string" || !/^[\w.-]+$/.test(queue))) {
    fail(
      `Expected \`queue\` to be a queue name of letters, digits, ., - or _ (such as "gpu"), got ${describeValue(queue)}`,
    );
  }

  return {
    retries,
    retryDelayMs: duration("retryDelay") ?? DEFAULT_RETRY_DELAY_MS,
    retryExponentialBackoff: bool("retryExponentialBackoff", false),
    maxRetryDelayMs: duration("maxRetryDelay"),
    executionTimeoutMs: duration("executionTimeout"),
    triggerRule: triggerRule as TriggerRule,
    email: normalizeEmails(pick("email"), fail, (message) => warn(`task '${where.taskId}': ${message}`)),
    emailOnFailure: bool("emailOnFailure", configured.emailOnFailure),
    emailOnRetry: bool("emailOnRetry", configured.emailOnRetry),
    emailOnSuccess: bool("emailOnSuccess", false),
    pool,
    poolSlots,
    queue,
    owner: pick("owner") ?? "kitelab",
    isSetup: bool("isSetup", false),
  };
}

function suggest(value: string): string {
  const close = TRIGGER_RULES.find((rule) => rule.replace(/_/g, "") === value.toLowerCase().replace(/[_\s-]/g, ""));
  return close ? ` (did you mean "${close}"?)` : "";
}

const EMAIL_PATTERN = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/** An address list as users write it (`"a@x.org, b@y.org"` or an array); bad addresses are dropped with a warning. */
export function normalizeEmailList(value: string | string[] | undefined, warn: (message: string) => void): string[] {
  return normalizeEmails(
    value,
    (message) => {
      throw new DagDefinitionError(message);
    },
    warn,
  );
}

/** Bad addresses are dropped with a warning: a typo in an address must not stop the DAG from loading. */
function normalizeEmails(
  value: string | string[] | undefined,
  fail: (message: string) => never,
  warn: (message: string) => void,
): string[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? value.split(/[,;]/) : value;
  if (!Array.isArray(list))
    return fail(`Expected \`email\` to be an address or a list of addresses, got ${describeValue(value)}`);
  const valid: string[] = [];
  for (const entry of list) {
    const address = typeof entry === "string" ? entry.trim() : entry;
    if (address === "") continue;
    if (typeof address === "string" && EMAIL_PATTERN.test(address)) valid.push(address);
    else
      warn(
        `\`email\` contains ${describeValue(address)}, which is not an email address such as "student@example.com"; no mail goes to it`,
      );
  }
  return valid;
}
