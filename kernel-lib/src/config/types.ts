/**
 * The shape of Kitelab's configuration: one group per airflow.cfg section, one camelCase
 * field per key. What each key does, its default and its Airflow name are in
 * airflow.cfg.example (generated from `schema.ts`).
 */

export type ExecutorName = "LocalExecutor" | "SequentialExecutor" | "BullMQExecutor";

/** `[core]` */
export interface CoreConfig {
  /** Folder scanned for DAG files (absolute). `dags_folder` */
  readonly dagsFolder: string;
  /** Load Kitelab's example DAGs beside the student's. `load_examples` */
  readonly loadExamples: boolean;
  /** "utc", "system" or an IANA zone name. `default_timezone` */
  readonly defaultTimezone: string;
  /** Task instances running at once, all DAGs together. `parallelism` */
  readonly parallelism: number;
  /** Task instances running at once in one DAG. `max_active_tasks_per_dag` */
  readonly maxActiveTasksPerDag: number;
  /** Runs of one DAG active at once. `max_active_runs_per_dag` */
  readonly maxActiveRunsPerDag: number;
  /** New DAGs start paused. `dags_are_paused_at_creation` */
  readonly dagsArePausedAtCreation: boolean;
  /** Retries of a task that sets none. `default_task_retries` */
  readonly defaultTaskRetries: number;
  /** Seconds one DAG file may take to import. `dagbag_import_timeout` */
  readonly dagbagImportTimeout: number;
  /** MB one DAG-parsing process may hold, heap and Buffers. `dag_parsing_memory_limit_mb` */
  readonly dagParsingMemoryLimitMb: number;
  /** `executor` */
  readonly executor: ExecutorName;
  /** MB one worker process may hold, heap and Buffers. `worker_memory_limit_mb` */
  readonly workerMemoryLimitMb: number;
  /** Empty until the scheduler generates one on first start. Secret. `fernet_key` */
  readonly fernetKey: string;
  /** Largest XCom value, in bytes (JSON-encoded). `xcom_max_size_bytes` */
  readonly xcomMaxSizeBytes: number;
}

/** `[scheduler]` */
export interface SchedulerConfig {
  /**
   * Seconds between full scans of the dags folder. Read from `[core] dag_dir_list_interval`,
   * `[dag_processor] refresh_interval` or `[scheduler] dag_dir_list_interval`, in that order.
   */
  readonly dagDirListInterval: number;
  /** Seconds before an unchanged DAG file is parsed again. `min_file_process_interval` */
  readonly minFileProcessInterval: number;
  /** DAG files parsed at once; 0: one per core, at least 2. `parsing_processes` */
  readonly parsingProcesses: number;
  /** DAGs catch up on missed intervals unless they say otherwise. `catchup_by_default` */
  readonly catchupByDefault: boolean;
  /** Seconds between scheduler heartbeats. `scheduler_heartbeat_sec` */
  readonly schedulerHeartbeatSec: number;
  /** True: a cron schedule's run covers the interval before it (Airflow 2); False: Airflow 3. */
  readonly createCronDataIntervals: boolean;
  /** Seconds without a heartbeat before the scheduler counts as unhealthy. */
  readonly schedulerHealthCheckThreshold: number;
}

/** `[logging]` */
export interface LoggingConfig {
  /** Folder of task logs (absolute). `base_log_folder` */
  readonly baseLogFolder: string;
}

/** `[database]` */
export interface DatabaseConfig {
  /** Where Kitelab keeps its state (absolute). `store_path`; Airflow's `sql_alchemy_conn` is ignored. */
  readonly storePath: string;
}

/** `[webserver]` */
export interface WebserverConfig {
  readonly webServerHost: string;
  /** 0 lets the system pick a free port. */
  readonly webServerPort: number;
  /** Path prefix or URL the status pages are served under; empty for none. */
  readonly baseUrl: string;
  /** Token that changing routes require (and reads, unless `exposeReads`); empty for none. Secret. */
  readonly authToken: string;
  /** The DAG whose last run `/` reports; empty for the most recent run of any DAG. */
  readonly statusDagId: string;
  /** GET routes need no token. */
  readonly exposeReads: boolean;
  /** Host names besides the loopback ones the status pages answer to, comma-separated. */
  readonly allowedHosts: string;
}

/** `[smtp]` */
export interface SmtpConfig {
  /** Empty: mail is written to the outbox folder instead of being sent. */
  readonly smtpHost: string;
  readonly smtpPort: number;
  readonly smtpStarttls: boolean;
  readonly smtpSsl: boolean;
  readonly smtpUser: string;
  /** Secret. */
  readonly smtpPassword: string;
  readonly smtpMailFrom: string;
  /** Seconds. */
  readonly smtpTimeout: number;
  readonly smtpRetryLimit: number;
}

/** `[email]` */
export interface EmailConfig {
  readonly defaultEmailOnFailure: boolean;
  readonly defaultEmailOnRetry: boolean;
  /** Path of a template file for alert subjects (absolute); empty for the built-in one. */
  readonly subjectTemplate: string;
  /** Path of a template file for alert bodies (absolute); empty for the built-in one. */
  readonly htmlContentTemplate: string;
  /** Sender of alert emails; empty to use `[smtp] smtp_mail_from`. */
  readonly fromEmail: string;
}

/** The typed sections, as the schema describes them. */
export interface ConfigSections {
  readonly core: CoreConfig;
  readonly scheduler: SchedulerConfig;
  readonly logging: LoggingConfig;
  readonly database: DatabaseConfig;
  readonly webserver: WebserverConfig;
  readonly smtp: SmtpConfig;
  readonly email: EmailConfig;
  readonly bullmq: BullmqConfig;
}

/** `[bullmq]`: the distributed executor and `kitelab worker`. Durations in seconds. */
export interface BullmqConfig {
  readonly redisUrl: string;
  /** Prefix of every Redis key. */
  readonly prefix: string;
  readonly defaultQueue: string;
  readonly workerConcurrency: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
  readonly workerHeartbeatInterval: number;
  readonly workerOfflineAfter: number;
}

/** Where one effective value came from. */
export type ConfigSource =
  | { readonly kind: "default" }
  | {
      readonly kind: "file";
      readonly file: string;
      readonly line: number;
      readonly section: string;
      readonly key: string;
    }
  | { readonly kind: "env"; readonly envVar: string };

/** A key in the file (or a KITELAB__/AIRFLOW__ variable) that Kitelab does not read. */
export interface UnusedKey {
  readonly section: string;
  readonly key: string;
  /** The raw value as written. */
  readonly value: string;
  readonly file?: string;
  readonly line?: number;
  readonly envVar?: string;
  /** Why Kitelab ignores it, when there is more to say than "Kitelab does not read it". */
  readonly note?: string;
}

/** The effective configuration: frozen, typed, with where each value came from. */
export interface KitelabConfig extends ConfigSections {
  /** The Kitelab home (absolute). */
  readonly home: string;
  /** The config file used (absolute), whether or not it exists. */
  readonly path: string;
  /** False when the file did not exist and only defaults and the environment were used. */
  readonly fileExists: boolean;
  /** For each key, by its canonical Airflow name ("core.dags_folder"): where the value came from. */
  readonly sources: Readonly<Record<string, ConfigSource>>;
  /** Keys Kitelab does not read, in file order, then environment variables. */
  readonly unused: readonly UnusedKey[];
  /** Things worth knowing that are not errors, such as a setting written twice under two names. */
  readonly notes: readonly string[];
}
