import type { ConfigSections, ExecutorName } from "./types.js";
import {
  booleanKind,
  choiceKind,
  fernetKeyKind,
  integerKind,
  pathKind,
  portKind,
  positiveNumberKind,
  textKind,
  timezoneKind,
  type ValueKind,
} from "./values.js";

/** Another section and key under which the same setting may be written. */
export interface Spelling {
  readonly section: string;
  readonly key: string;
}

/** One key Kitelab reads: where it lives, how its value is read, and its documentation. */
export interface OptionSpec<T> {
  readonly key: string;
  readonly kind: ValueKind<T>;
  /** The default as written in airflow.cfg (placeholders unexpanded). */
  readonly default: string;
  /** What the key does, for airflow.cfg.example; the lines are joined and wrapped. */
  readonly doc: readonly string[];
  /** How Airflow differs, when it does. */
  readonly airflow?: string;
  /** Printed as *** by `kitelab config list`. */
  readonly secret?: boolean;
  /**
   * Every place the setting may be written, highest precedence first, the canonical one
   * included. Absent: only its own section and key.
   */
  readonly spellings?: readonly Spelling[];
}

type Schema = {
  readonly [S in keyof ConfigSections]: { readonly [F in keyof ConfigSections[S]]: OptionSpec<ConfigSections[S][F]> };
};

const seconds = (min: number) => integerKind({ min, unit: "seconds" });

/** Why `parallelism` is 4 rather than Airflow's 32; kept with the schema so both docs agree. */
const PARALLELISM_NOTE =
  "Airflow's default is 32. Kitelab runs each task in a worker process on a student's laptop, often with 2 cores: 4 keeps the notebook and JupyterLab responsive while tasks run.";

/**
 * Every key Kitelab reads, by section, in the order airflow.cfg.example lists them.
 * The `satisfies` clause ties each spec to the field type in `types.ts`.
 */
export const SCHEMA = {
  core: {
    dagsFolder: {
      key: "dags_folder",
      kind: pathKind(),
      default: "{KITELAB_HOME}/dags",
      doc: ["The folder Kitelab scans for DAG files (*.ts). A relative path is taken from the Kitelab home."],
    },
    loadExamples: {
      key: "load_examples",
      kind: booleanKind,
      default: "True",
      doc: ["Whether Kitelab's example DAGs are listed beside yours. Set to False for a clean list."],
    },
    defaultTimezone: {
      key: "default_timezone",
      kind: timezoneKind,
      default: "utc",
      doc: [
        "The time zone of dates written without one (start dates, cron schedules): utc, system or an IANA name such as Europe/Amsterdam.",
      ],
    },
    parallelism: {
      key: "parallelism",
      kind: integerKind({ min: 1 }),
      default: "4",
      doc: ["How many task instances may run at the same time, all DAGs together."],
      airflow: PARALLELISM_NOTE,
    },
    maxActiveTasksPerDag: {
      key: "max_active_tasks_per_dag",
      kind: integerKind({ min: 1 }),
      default: "16",
      doc: [
        "How many task instances of one DAG may run at the same time, all its runs together (a DAG's maxActiveTasks overrides it).",
      ],
    },
    maxActiveRunsPerDag: {
      key: "max_active_runs_per_dag",
      kind: integerKind({ min: 1 }),
      default: "16",
      doc: ["How many runs of one DAG may be active at the same time (a DAG's maxActiveRuns overrides it)."],
    },
    dagsArePausedAtCreation: {
      key: "dags_are_paused_at_creation",
      kind: booleanKind,
      default: "True",
      doc: ["Whether a DAG seen for the first time starts paused (a DAG's isPausedUponCreation overrides it)."],
    },
    defaultTaskRetries: {
      key: "default_task_retries",
      kind: integerKind({ min: 0 }),
      default: "0",
      doc: ["How many times a failed task is retried when neither it nor its DAG's defaultArgs set retries."],
    },
    dagbagImportTimeout: {
      key: "dagbag_import_timeout",
      kind: positiveNumberKind("seconds"),
      default: "30.0",
      doc: ["How long, in seconds, importing one DAG file may take before it is reported as an import error."],
    },
    dagParsingMemoryLimitMb: {
      key: "dag_parsing_memory_limit_mb",
      kind: integerKind({ min: 64, unit: "megabytes" }),
      default: "1024",
      doc: [
        "How much memory, in MB, importing one DAG file may use (JavaScript heap and Buffers together).",
        "A file that uses more becomes an import error that says so: load big data in a task, not at import time.",
      ],
      airflow: "Kitelab's own key.",
    },
    executor: {
      key: "executor",
      kind: choiceKind<ExecutorName>("executor", ["LocalExecutor", "SequentialExecutor", "BullMQExecutor"], {
        CeleryExecutor: "Kitelab's CeleryExecutor is BullMQExecutor: tasks go through Redis to `kitelab worker`s",
      }),
      default: "LocalExecutor",
      doc: [
        "How tasks run: LocalExecutor runs up to `parallelism` tasks at once in worker processes;",
        "SequentialExecutor runs one task at a time, in the same kind of worker process;",
        "BullMQExecutor sends tasks through Redis (see [bullmq]) to `kitelab worker` processes,",
        "on this machine or others, as Airflow's CeleryExecutor does with `airflow celery worker`.",
      ],
      airflow: "Airflow 2's default is SequentialExecutor (because of SQLite); Kitelab has no such limit.",
    },
    workerMemoryLimitMb: {
      key: "worker_memory_limit_mb",
      kind: integerKind({ min: 64, unit: "megabytes" }),
      default: "2048",
      doc: [
        "How much memory, in MB, one task's worker process may use (JavaScript heap and Buffers together).",
        "A task that uses more fails with a message that says so; its worker is replaced.",
      ],
      airflow: "Kitelab's own key.",
    },
    fernetKey: {
      key: "fernet_key",
      kind: fernetKeyKind,
      default: "",
      doc: [
        "The key that encrypts connection passwords, secret variables, secret-named connection extras and",
        "secret-named run conf values in the store. Empty: Kitelab generates one on first use and keeps it in",
        "$KITELAB_HOME/fernet_key, readable by you only. That file sits beside the store it protects: when the",
        "home is shared, copied or backed up, give the key through the environment instead",
        "(KITELAB__CORE__FERNET_KEY or AIRFLOW__CORE__FERNET_KEY, as Airflow does) and delete that file.",
        "Do not write the key in this file unless only you can read it (chmod 600 airflow.cfg).",
      ],
      secret: true,
    },
    xcomMaxSizeBytes: {
      key: "xcom_max_size_bytes",
      kind: integerKind({ min: 0, unit: "bytes" }),
      default: "49152",
      doc: [
        "The largest value, in bytes of JSON, a task may push as an XCom (49152 = 48 KiB).",
        "XComs are for small results; pass data between tasks in files.",
      ],
      airflow: "Kitelab's own key; Airflow's limit depends on its database.",
    },
  },
  scheduler: {
    dagDirListInterval: {
      key: "dag_dir_list_interval",
      kind: seconds(0),
      default: "300",
      doc: [
        "How often, in seconds, the dags folder is scanned in full for new and deleted files.",
        "Kitelab also watches the folder, so a new file usually shows up within a second anyway.",
        "Also accepted as [core] dag_dir_list_interval (as some course material writes it) and as",
        "[dag_processor] refresh_interval (Airflow 3's name). When several are set, [core] wins,",
        "then [dag_processor], then [scheduler]; an environment variable beats all three.",
      ],
      spellings: [
        { section: "core", key: "dag_dir_list_interval" },
        { section: "dag_processor", key: "refresh_interval" },
        { section: "scheduler", key: "dag_dir_list_interval" },
      ],
    },
    minFileProcessInterval: {
      key: "min_file_process_interval",
      kind: seconds(0),
      default: "30",
      doc: ["How long, in seconds, before an unchanged DAG file is parsed again. A changed file is parsed at once."],
    },
    parsingProcesses: {
      key: "parsing_processes",
      kind: integerKind({ min: 0 }),
      default: "0",
      doc: [
        "How many DAG files are parsed at the same time, each in its own process; 0 means one per CPU core, at least 2.",
        "A file that hangs at import holds one of them until dagbag_import_timeout, never the other files.",
        "Also accepted as [dag_processor] parsing_processes (Airflow 3's name).",
      ],
      airflow: "Airflow's default is 2.",
      spellings: [
        { section: "dag_processor", key: "parsing_processes" },
        { section: "scheduler", key: "parsing_processes" },
      ],
    },
    catchupByDefault: {
      key: "catchup_by_default",
      kind: booleanKind,
      default: "True",
      doc: ["Whether a DAG that does not set catchup creates the runs it missed since its start date."],
    },
    schedulerHeartbeatSec: {
      key: "scheduler_heartbeat_sec",
      kind: seconds(1),
      default: "5",
      doc: ["How often, in seconds, the scheduler records that it is alive (what /health reports)."],
    },
    createCronDataIntervals: {
      key: "create_cron_data_intervals",
      kind: booleanKind,
      default: "True",
      doc: [
        "True: a cron schedule's run covers the interval that ends when it starts, as in Airflow 2",
        "(the 2024-01-02 daily run has logical date 2024-01-01). False: the run's logical date is",
        "the moment it starts and its data interval is empty, as in Airflow 3.",
      ],
    },
    schedulerHealthCheckThreshold: {
      key: "scheduler_health_check_threshold",
      kind: seconds(1),
      default: "30",
      doc: ["How long, in seconds, without a heartbeat before /health reports the scheduler unhealthy."],
    },
  },
  logging: {
    baseLogFolder: {
      key: "base_log_folder",
      kind: pathKind(),
      default: "{KITELAB_HOME}/logs",
      doc: ["The folder task logs are written to, one file per task attempt."],
    },
  },
  database: {
    storePath: {
      key: "store_path",
      kind: pathKind(),
      default: "{KITELAB_HOME}/kitelab-store",
      doc: [
        "Where Kitelab keeps its state: DAG runs, task instances, XComs, variables, connections.",
        "Airflow's sql_alchemy_conn is ignored (Kitelab has no SQL database); `kitelab config list --unused` lists it.",
      ],
      airflow: "Kitelab's own key.",
    },
  },
  webserver: {
    webServerHost: {
      key: "web_server_host",
      kind: textKind({ nonEmpty: true, accepted: "a host name or address such as 127.0.0.1" }),
      default: "127.0.0.1",
      doc: [
        "The address the status pages listen on. 127.0.0.1 keeps them private to this machine; 0.0.0.0 opens them to the network.",
      ],
      airflow: "Airflow's default is 0.0.0.0.",
    },
    webServerPort: {
      key: "web_server_port",
      kind: portKind(true),
      default: "5555",
      doc: ["The port of the status pages. 0 lets the system pick a free one (JupyterLab passes its own)."],
      airflow: "Airflow's default is 8080.",
    },
    baseUrl: {
      key: "base_url",
      kind: textKind({
        accepted: "nothing, a path such as /kitelab/ or a URL such as http://localhost:5555",
        check: (text) =>
          /^(\/|https?:\/\/)\S*$/.test(text)
            ? undefined
            : "is not a path or URL; use nothing, a path such as /kitelab/ or a URL such as http://localhost:5555",
      }),
      default: "",
      doc: ["The path or URL the status pages are served under, when behind a proxy; empty for none."],
    },
    authToken: {
      key: "auth_token",
      kind: textKind(),
      default: "",
      doc: [
        "A token the status pages' API requires for changes,",
        "and for reads unless expose_reads is True. Empty: no token is required. Keep it secret.",
      ],
      secret: true,
      airflow: "Kitelab's own key.",
    },
    statusDagId: {
      key: "status_dag_id",
      kind: textKind({
        accepted: "nothing or a DAG id",
        check: (text) =>
          /^[A-Za-z0-9_.-]+$/.test(text)
            ? undefined
            : "is not a DAG id; use letters, digits, _, - and . only, or nothing",
      }),
      default: "",
      doc: [
        "The DAG whose last run the page / redirects to /success or /failure for; empty for the latest run of any DAG.",
      ],
      airflow: "Kitelab's own key.",
    },
    allowedHosts: {
      key: "allowed_hosts",
      kind: textKind({
        accepted: "nothing or host names separated by commas",
        check: (text) =>
          /^[A-Za-z0-9.,:[\]\s-]*$/.test(text)
            ? undefined
            : "is not a list of host names; write names separated by commas, such as lab.example.org, 10.0.0.5",
      }),
      default: "",
      doc: [
        "Host names, besides localhost and 127.x.x.x, that the status pages answer to (comma-separated).",
        "Any other Host is refused unless the request carries the API token: this defeats DNS rebinding.",
      ],
      airflow: "Kitelab's own key.",
    },
    exposeReads: {
      key: "expose_reads",
      kind: booleanKind,
      default: "True",
      doc: ["True: GET routes (pages, /health, reading the API) need no token, even when auth_token is set."],
      airflow: "Kitelab's own key.",
    },
  },
  smtp: {
    smtpHost: {
      key: "smtp_host",
      kind: textKind(),
      default: "",
      doc: ["The mail server. Empty: emails are not sent but written to the outbox folder in the Kitelab home."],
      airflow: "Airflow's default is localhost.",
    },
    smtpPort: {
      key: "smtp_port",
      kind: portKind(false),
      default: "25",
      doc: ["The mail server's port: usually 25, 587 with smtp_starttls, 465 with smtp_ssl."],
    },
    smtpStarttls: {
      key: "smtp_starttls",
      kind: booleanKind,
      default: "True",
      doc: ["Upgrade the connection with STARTTLS. Cannot be combined with smtp_ssl."],
    },
    smtpSsl: {
      key: "smtp_ssl",
      kind: booleanKind,
      default: "False",
      doc: ["Connect over TLS from the start (port 465). Cannot be combined with smtp_starttls."],
    },
    smtpUser: {
      key: "smtp_user",
      kind: textKind(),
      default: "",
      doc: ["The user name for the mail server; empty for none."],
    },
    smtpPassword: {
      key: "smtp_password",
      kind: textKind(),
      default: "",
      doc: ["The password for the mail server; empty for none. Keep it secret."],
      secret: true,
    },
    smtpMailFrom: {
      key: "smtp_mail_from",
      kind: textKind({
        nonEmpty: true,
        accepted: "an email address such as kitelab@example.com",
        check: (text) =>
          text.includes("@") ? undefined : "is not an email address; use an address such as kitelab@example.com",
      }),
      default: "kitelab@example.com",
      doc: ["The sender of emails, unless [email] from_email is set."],
      airflow: "Airflow's default is airflow@example.com.",
    },
    smtpTimeout: {
      key: "smtp_timeout",
      kind: seconds(1),
      default: "30",
      doc: ["How long, in seconds, to wait for the mail server."],
    },
    smtpRetryLimit: {
      key: "smtp_retry_limit",
      kind: integerKind({ min: 0 }),
      default: "5",
      doc: ["How many times sending one email is retried after a failure."],
    },
  },
  email: {
    defaultEmailOnFailure: {
      key: "default_email_on_failure",
      kind: booleanKind,
      default: "True",
      doc: ["Whether a task that sets email but not emailOnFailure sends mail when it fails."],
    },
    defaultEmailOnRetry: {
      key: "default_email_on_retry",
      kind: booleanKind,
      default: "True",
      doc: ["Whether a task that sets email but not emailOnRetry sends mail when it is retried."],
    },
    subjectTemplate: {
      key: "subject_template",
      kind: pathKind({ optional: true }),
      default: "",
      doc: ["A template file for the subject of alert emails; empty for Kitelab's own."],
      airflow:
        "Airflow's templates are Jinja files; Kitelab renders the file with its own templating, so a Jinja file may need changes.",
    },
    htmlContentTemplate: {
      key: "html_content_template",
      kind: pathKind({ optional: true }),
      default: "",
      doc: ["A template file for the HTML body of alert emails; empty for Kitelab's own."],
      airflow:
        "Airflow's templates are Jinja files; Kitelab renders the file with its own templating, so a Jinja file may need changes.",
    },
    fromEmail: {
      key: "from_email",
      kind: textKind({
        accepted: "nothing or an email address",
        check: (text) =>
          text.includes("@")
            ? undefined
            : "is not an email address; use nothing or an address such as Kitelab <kitelab@example.com>",
      }),
      default: "",
      doc: ["The sender of alert emails, such as Kitelab <kitelab@example.com>; empty to use [smtp] smtp_mail_from."],
    },
  },
  bullmq: {
    redisUrl: {
      key: "redis_url",
      kind: textKind({
        accepted: "a redis:// or rediss:// URL",
        nonEmpty: true,
        check: (text) =>
          /^rediss?:\/\/[^/]/.test(text)
            ? undefined
            : "is not a redis:// URL; use a URL such as redis://127.0.0.1:6379/0",
      }),
      default: "redis://127.0.0.1:6379/0",
      doc: ["The Redis server the BullMQ executor and `kitelab worker` share: redis://[:password@]host:port/db."],
      airflow: "Airflow's CeleryExecutor reads [celery] broker_url.",
    },
    prefix: {
      key: "prefix",
      kind: textKind({
        accepted: "letters, digits, - or _",
        nonEmpty: true,
        check: (text) => (/^[\w-]+$/.test(text) ? undefined : "has characters other than letters, digits, - or _"),
      }),
      default: "kitelab",
      doc: ["The prefix of every Redis key Kitelab writes, so two Kitelab homes can share one Redis."],
    },
    defaultQueue: {
      key: "default_queue",
      kind: textKind({
        accepted: "a queue name",
        nonEmpty: true,
        check: (text) => (/^[\w.-]+$/.test(text) ? undefined : "has characters other than letters, digits, ., - or _"),
      }),
      default: "default",
      doc: ["The queue of tasks that set no `queue` option; `kitelab worker` without --queues takes tasks from it."],
      airflow: "Airflow reads [operators] default_queue.",
    },
    workerConcurrency: {
      key: "worker_concurrency",
      kind: integerKind({ min: 1 }),
      default: "4",
      doc: [
        "How many tasks one `kitelab worker` runs at once (each in its own worker process); --concurrency overrides it.",
      ],
      airflow: "Airflow reads [celery] worker_concurrency (default 16).",
    },
    lockDuration: {
      key: "lock_duration",
      kind: positiveNumberKind("seconds"),
      default: "30.0",
      doc: ["How long a worker's claim on a running task lasts unless renewed; BullMQ renews it every half of this."],
    },
    stalledInterval: {
      key: "stalled_interval",
      kind: positiveNumberKind("seconds"),
      default: "30.0",
      doc: ["How often workers look for tasks whose claim expired (stalled: their worker died or hung)."],
    },
    maxStalledCount: {
      key: "max_stalled_count",
      kind: integerKind({ min: 0 }),
      default: "1",
      doc: [
        "How many times a stalled task message is delivered again before BullMQ gives it up. A new delivery",
        "never runs an attempt twice: the attempt's try number is claimed once, and a lost attempt is retried",
        "by the task's own retries.",
      ],
    },
    workerHeartbeatInterval: {
      key: "worker_heartbeat_interval",
      kind: positiveNumberKind("seconds"),
      default: "5.0",
      doc: ["How often each `kitelab worker` writes its heartbeat (and its running tasks) to Redis."],
    },
    workerOfflineAfter: {
      key: "worker_offline_after",
      kind: positiveNumberKind("seconds"),
      default: "30.0",
      doc: [
        "A worker without a heartbeat for this long is offline: the worker view says so and the scheduler",
        "records the tasks it was running as failed attempts (retried if they have retries left).",
      ],
    },
  },
} as const satisfies Schema;

/** A schema entry with its section and field names, for code that walks all of them. */
export interface SchemaEntry {
  readonly section: keyof ConfigSections;
  readonly field: string;
  readonly spec: OptionSpec<unknown>;
}

/** All keys Kitelab reads, in schema order. */
export const SCHEMA_ENTRIES: readonly SchemaEntry[] = Object.entries(SCHEMA).flatMap(([section, fields]) =>
  Object.entries(fields).map(([field, spec]) => ({
    section: section as keyof ConfigSections,
    field,
    spec: spec as OptionSpec<unknown>,
  })),
);

/** The places an entry may be written, highest precedence first. */
export function spellingsOf(entry: SchemaEntry): readonly Spelling[] {
  return entry.spec.spellings ?? [{ section: entry.section, key: entry.spec.key }];
}

/** Sections that hold keys Kitelab reads (including alternative spellings). */
export const KNOWN_SECTIONS: ReadonlySet<string> = new Set(
  SCHEMA_ENTRIES.flatMap((entry) => spellingsOf(entry).map((s) => s.section)),
);

/** "core.dags_folder": the canonical name sources are keyed by. */
export function canonicalName(entry: SchemaEntry): string {
  return `${entry.section}.${entry.spec.key}`;
}

/** Finds the entry read from `[section] key` under any of its spellings. */
export function findEntry(section: string, key: string): SchemaEntry | undefined {
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  return SCHEMA_ENTRIES.find((entry) =>
    spellingsOf(entry).some((spelling) => spelling.section === s && spelling.key === k),
  );
}
