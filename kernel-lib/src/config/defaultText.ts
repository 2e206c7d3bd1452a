import { escapePercent } from "./interpolate.js";
import { SCHEMA, type OptionSpec } from "./schema.js";

/** What each section is for, printed above it in airflow.cfg. */
const SECTION_INTROS: Record<keyof typeof SCHEMA, readonly string[]> = {
  core: ["Where DAGs live and how many tasks may run at once."],
  scheduler: ["How often the dags folder is read, and how runs are scheduled."],
  logging: ["Where task logs go."],
  database: [
    "Where Kitelab keeps its state. Airflow's sql_alchemy_conn and the other [database] keys",
    "are ignored: Kitelab has no SQL database.",
  ],
  webserver: ["The status pages: /, /success, /failure, /health and the JSON API."],
  smtp: ["Sending email. With smtp_host empty, emails are written to the outbox folder instead."],
  email: ["When tasks send alert emails, and what those look like."],
  bullmq: [
    "The distributed executor ([core] executor = BullMQExecutor): tasks travel through Redis to",
    "`kitelab worker` processes on any machine that has the same DAG files, as Celery's do in Airflow.",
  ],
};

const HEADER = [
  "# Kitelab configuration, in the format of Apache Airflow's airflow.cfg.",
  "#",
  "# Kitelab reads the keys below; any other key (such as the hundreds in a real Airflow",
  "# airflow.cfg) is accepted and ignored: `kitelab config list --unused` lists them.",
  "#",
  "# Format (as Python's configparser reads it): `key = value` or `key: value` under a",
  "# [section]; lines starting with # or ; are comments (a # after a value is part of the",
  "# value); an indented line continues the value above; keys and section names are not",
  "# case-sensitive; write %% for a literal %. {KITELAB_HOME} (or {AIRFLOW_HOME}) stands",
  "# for the Kitelab home, ~ for your home folder, and a relative path is taken from the",
  "# Kitelab home. Booleans: True or False (also true/false, 1/0, yes/no, on/off).",
  "#",
  "# Environment variables win over this file: KITELAB__SECTION__KEY, else",
  "# AIRFLOW__SECTION__KEY, for example KITELAB__CORE__LOAD_EXAMPLES=False.",
  "#",
  "# The file is $KITELAB_HOME/airflow.cfg (~/kitelab/airflow.cfg by default), written from",
  "# these defaults on the scheduler's first start; `kitelab --config PATH` (or the variable",
  "# KITELAB_CONFIG=PATH) reads another one.",
  "# `kitelab config list` shows the effective values and where each came from.",
];

/** The comment lines above one key: what it does, its accepted values, default, Airflow note. */
function optionComment(spec: OptionSpec<unknown>): string[] {
  const lines = [spec.doc.join(" ")];
  lines.push(`Accepted: ${spec.kind.accepted}. Default: ${spec.default === "" ? "(empty)" : spec.default}.`);
  if (spec.airflow) lines.push(spec.airflow);
  return lines.flatMap((line) => wrap(line, 90)).map((line) => `# ${line}`);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current !== "" && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else {
      current = current === "" ? word : `${current} ${word}`;
    }
  }
  out.push(current);
  return out;
}

/**
 * The text of a fresh airflow.cfg: every key Kitelab reads, with its default and a comment.
 * `airflow.cfg.example` at the repository root is exactly this text.
 */
export function defaultConfigText(): string {
  const out: string[] = [...HEADER];
  for (const [section, fields] of Object.entries(SCHEMA) as [
    keyof typeof SCHEMA,
    Record<string, OptionSpec<unknown>>,
  ][]) {
    out.push(
      "",
      "",
      `[${section}]`,
      ...SECTION_INTROS[section].flatMap((line) => wrap(line, 90)).map((line) => `# ${line}`),
    );
    for (const spec of Object.values(fields)) {
      out.push("", ...optionComment(spec), `${spec.key} = ${escapePercent(spec.default)}`.trimEnd());
    }
  }
  return `${out.join("\n")}\n`;
}
