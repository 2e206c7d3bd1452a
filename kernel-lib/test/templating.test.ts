import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  buildTemplateContext,
  renderForDisplay,
  renderTemplate,
  renderTemplateFields,
} from "../src/templating/index.js";
import { TemplateError } from "../src/errors.js";
import { parseWithFormat, strftime } from "../src/util/strftime.js";
import { createMasker, isSensitiveName, maskRecordValues } from "../src/util/secrets.js";

const context = buildTemplateContext({
  dagId: "etl",
  taskId: "load",
  runId: "scheduled__2024-03-05T00:00:00+00:00",
  logicalDate: new Date("2024-03-05T00:00:00Z"),
  dataIntervalStart: new Date("2024-03-05T00:00:00Z"),
  dataIntervalEnd: new Date("2024-03-06T00:00:00Z"),
  tryNumber: 2,
  maxTries: 3,
  params: { table: "sales", limit: 10 },
  conf: { source: "api" },
  variables: { bucket: "raw-data", settings: '{"region": "eu", "retries": 3}', db_password: "hunter22" },
  connections: {
    warehouse: {
      connId: "warehouse",
      connType: "postgres",
      host: "db.local",
      schema: "dw",
      login: "etl",
      password: "s3cret!",
      port: 5432,
      extra: { sslmode: "require" },
    },
  },
});

const render = (template: string, html = false) =>
  renderTemplate(template, context, { where: "task 'load', field 'bashCommand'", html });

function templateError(template: string): TemplateError {
  try {
    render(template);
  } catch (error) {
    assert.ok(error instanceof TemplateError, String(error));
    return error;
  }
  assert.fail(`expected ${template} to fail`);
}

describe("templates with Airflow's context names", () => {
  it("renders the date names as Airflow does, spaces inside braces included", () => {
    assert.equal(
      render("{{ ds }} {{ds_nodash}} {{ ts }} {{ ts_nodash }}"),
      "2024-03-05 20240305 2024-03-05T00:00:00+00:00 20240305T000000",
    );
    assert.equal(
      render("{{ next_ds }} {{ next_ds_nodash }} {{ prev_ds }} {{ prev_ds_nodash }}"),
      "2024-03-06 20240306 2024-03-04 20240304",
    );
    // Dates print as Python's str() prints them in Airflow's Jinja: a space between date and time.
    assert.equal(
      render("{{ logical_date }} | {{ execution_date }}"),
      "2024-03-05 00:00:00+00:00 | 2024-03-05 00:00:00+00:00",
    );
    assert.equal(
      render("[{{ data_interval_start }}, {{ data_interval_end }})"),
      "[2024-03-05 00:00:00+00:00, 2024-03-06 00:00:00+00:00)",
    );
    assert.equal(
      render("{{ prev_execution_date }} {{ next_execution_date }}"),
      "2024-03-04 00:00:00+00:00 2024-03-06 00:00:00+00:00",
    );
  });

  it("renders ids, try number, params, conf, variables and connections", () => {
    assert.equal(
      render("{{ dag_id }}.{{ task_id }} {{ run_id }} try {{ try_number }} {{ ti.try_number }}"),
      "etl.load scheduled__2024-03-05T00:00:00+00:00 try 2 2",
    );
    assert.equal(render("{{ params.table }} {{ params.limit }} {{ dag_run.conf.source }}"), "sales 10 api");
    assert.equal(render("{{ var.value.bucket }} {{ var.json.settings.region }}"), "raw-data eu");
    assert.equal(
      render(
        "{{ conn.warehouse.host }}:{{ conn.warehouse.port }}/{{ conn.warehouse.schema }} {{ conn.warehouse.extra_dejson.sslmode }}",
      ),
      "db.local:5432/dw require",
    );
  });

  it("offers ds_add and ds_format, in handlebars syntax and in Airflow's macros.fn(...) syntax", () => {
    assert.equal(render("{{ ds_add ds 7 }} {{ ds_add ds -5 }}"), "2024-03-12 2024-02-29");
    assert.equal(render("{{ macros.ds_add(ds, 7) }}"), "2024-03-12");
    assert.equal(render('{{ ds_format ds "%Y-%m-%d" "%d/%m/%Y" }}'), "05/03/2024");
    assert.equal(render("{{ macros.ds_format(ds, '%Y-%m-%d', '%Y%m%d') }}"), "20240305");
    assert.equal(render('{{ date_format logical_date "%Y%m%d-%H%M%S" }}'), "20240305-000000");
  });

  it("fails on an unknown name, naming the template and the name, with a suggestion", () => {
    const typo = templateError("echo {{ dss }}");
    assert.match(typo.message, /task 'load', field 'bashCommand': unknown name "dss".*did you mean "ds"/);
    assert.match(
      templateError("{{ params.tabel }}").message,
      /unknown name "params.tabel".*did you mean "params.table"/,
    );
    assert.match(
      templateError("{{ var.value.missing }}").message,
      /no Variable "missing".*kitelab variables set missing/,
    );
    assert.match(templateError("{{ conn.nope.host }}").message, /no Connection "nope"/);
  });

  it("refuses Jinja-only syntax and shows the handlebars way", () => {
    assert.match(
      templateError("{% if params.table %}x{% endif %}").message,
      /task 'load'.*Jinja syntax.*write \{\{#if params.table\}\} ... \{\{\/if\}\}/,
    );
    assert.match(
      templateError("{% for row in params.rows %}{{ row }}{% endfor %}").message,
      /\{\{#each params.rows as \|row\|\}\}/,
    );
    assert.match(templateError("{{ ds | upper }}").message, /Jinja filter "\| upper"/);
    assert.match(templateError("{{ params.table | string }}").message, /write \{\{ params.table \}\}/);
    assert.match(templateError("{{ params['table'] }}").message, /write \{\{ params.table \}\}/);
    assert.match(
      templateError("{{ logical_date.strftime('%Y') }}").message,
      /write \{\{ date_format logical_date "%Y" \}\}/,
    );
    assert.match(
      templateError("{{ macros.datetime_diff(ds) }}").message,
      /macro "datetime_diff", which Kitelab does not have/,
    );
    assert.match(
      templateError("{{ ti.xcom_pull(task_ids=['a', 'b']) }}").message,
      /write \{\{ ti.xcom_pull\(task_ids='extract'\) \}\} or \{\{ xcom_pull "extract" \}\}/,
    );
    assert.match(templateError("{# note #}").message, /write \{\{!-- note --\}\}/);
  });

  it("formats dates with Airflow's filters: ds, ds_nodash, ts, ts_nodash, ts_nodash_with_tz", () => {
    assert.equal(
      render("{{ data_interval_start | ds }} {{data_interval_end|ds_nodash}} {{ logical_date | ts }}"),
      "2024-03-05 20240306 2024-03-05T00:00:00+00:00",
    );
    assert.equal(
      render("{{ data_interval_end | ts_nodash }} {{ dag_run.data_interval_end | ts_nodash_with_tz }}"),
      "20240306T000000 20240306T000000+0000",
    );
    assert.match(templateError("{{ params.table | ds }}").message, /the filter "\| ds" formats a date.*got "sales"/);
    assert.match(templateError("{{ data_interval_strt | ds }}").message, /unknown name "data_interval_strt"/);
  });

  it("pulls upstream XComs as Airflow's templates do: ti.xcom_pull(task_ids=...), with a key, or the xcom_pull helper", () => {
    const withXComs = buildTemplateContext({
      ...baseInput(),
      xcoms: [
        { taskId: "extract", key: "return_value", value: 42 },
        { taskId: "extract", key: "rows", value: [1, 2] },
        { taskId: "name", key: "return_value", value: "sales" },
      ],
    });
    const renderWith = (template: string) =>
      renderTemplate(template, withXComs, { where: "task 'load', field 'bashCommand'" });
    assert.equal(renderWith("echo {{ ti.xcom_pull(task_ids='extract') }}"), "echo 42");
    assert.equal(renderWith('{{ task_instance.xcom_pull("extract", key="rows") }}'), "[1,2]");
    assert.equal(renderWith("{{ ti.xcom_pull('name') }}.csv"), "sales.csv");
    assert.equal(renderWith('{{ xcom_pull "extract" "rows" }}'), "[1,2]");
    assert.throws(
      () => renderWith("{{ ti.xcom_pull(task_ids='load_data') }}"),
      (error: unknown) =>
        error instanceof TemplateError &&
        /^task 'load', field 'bashCommand': no XCom "return_value" from task 'load_data' in this run.*XComs come from: extract, name/.test(
          error.message,
        ),
    );
  });

  it("refuses to read inside a Variable that is not JSON, and says how to read its text", () => {
    const broken = buildTemplateContext({ ...baseInput(), variables: { settings: "{not json" } });
    const read = () => renderTemplate("{{ var.json.settings.region }}", broken, { where: "task 'load'" });
    assert.throws(
      read,
      (error: unknown) =>
        error instanceof TemplateError &&
        /Variable "settings" is not valid JSON.*\{\{ var.value.settings \}\}/.test(error.message),
    );
    assert.equal(renderTemplate("{{ var.value.settings }}", broken, { where: "x" }), "{not json");
  });

  it("offers Airflow's other date names and reads fields of dates", () => {
    assert.equal(
      render("{{ yesterday_ds }} {{ tomorrow_ds_nodash }} {{ logical_date.year }}-{{ logical_date.month }}"),
      "2024-03-04 20240306 2024-3",
    );
    assert.equal(render("{{ dag_run.data_interval_start }}"), "2024-03-05 00:00:00+00:00");
  });

  it("escapes HTML only when asked (email bodies), never in shell commands", () => {
    const htmlContext = buildTemplateContext({ ...baseInput(), params: { name: "<b>Tom & Jerry</b>" } });
    assert.equal(renderTemplate("{{ params.name }}", htmlContext, { where: "x" }), "<b>Tom & Jerry</b>");
    assert.equal(
      renderTemplate("{{ params.name }}", htmlContext, { where: "x", html: true }),
      "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;",
    );
  });

  it("renders every string inside nested fields without touching the input", () => {
    const input = {
      path: "/data/{{ ds }}.csv",
      env: { DAY: "{{ ds_nodash }}" },
      list: ["{{ params.table }}", 3],
      when: new Date(0),
    };
    const copy = structuredClone(input);
    const rendered = renderTemplateFields(input, context, "field");
    assert.deepEqual(rendered, {
      path: "/data/2024-03-05.csv",
      env: { DAY: "20240305" },
      list: ["sales", 3],
      when: new Date(0),
    });
    assert.deepEqual(input, copy);
  });

  it("masks secret-named variables and connection passwords when shown to people", () => {
    const shown = renderForDisplay(
      "{{ var.value.db_password }} {{ conn.warehouse.password }} {{ var.value.bucket }}",
      context,
      {
        where: "x",
        variables: { db_password: "hunter22", bucket: "raw-data" },
        connections: { warehouse: { connId: "warehouse", connType: "postgres", password: "s3cret!" } },
      },
    );
    assert.equal(shown, "*** *** raw-data");
    assert.equal(render("{{ var.value.db_password }}"), "hunter22", "the task itself gets the real value");
  });
});

function baseInput() {
  return {
    dagId: "d",
    taskId: "t",
    runId: "r",
    logicalDate: new Date("2024-01-01T00:00:00Z"),
    dataIntervalStart: new Date("2024-01-01T00:00:00Z"),
    dataIntervalEnd: new Date("2024-01-02T00:00:00Z"),
    tryNumber: 1,
    params: {},
    conf: {},
    variables: {},
    connections: {},
  };
}

describe("strftime", () => {
  const date = new Date("2024-07-04T09:05:03.250Z");

  it("formats Python's directives", () => {
    assert.equal(strftime(date, "%Y%m%d-%H%M%S"), "20240704-090503");
    assert.equal(
      strftime(date, "%y %j %a %A %b %B %p %I %f %z %Z %%"),
      "24 186 Thu Thursday Jul July AM 09 250000 +0000 UTC %",
    );
  });

  it("formats in another time zone, with its offset", () => {
    assert.equal(strftime(date, "%Y-%m-%d %H:%M %z", "Europe/Paris"), "2024-07-04 11:05 +0200");
    assert.equal(strftime(new Date("2024-01-15T12:00:00Z"), "%H %z", "America/New_York"), "07 -0500");
  });

  it("names a zone with the tz database's abbreviation, as Python's %Z does, not the platform's GMT+1", () => {
    const winter = new Date("2024-03-03T06:30:15Z");
    assert.equal(strftime(winter, "%Z", "Europe/Paris"), "CET");
    assert.equal(strftime(date, "%Z", "Europe/Paris"), "CEST");
    assert.equal(strftime(winter, "%Z", "Asia/Kolkata"), "IST");
    assert.equal(strftime(winter, "%Z", "Australia/Sydney"), "AEDT");
    assert.equal(strftime(winter, "%Z", "America/Sao_Paulo"), "-03");
    assert.equal(strftime(new Date("1950-06-01T00:00:00Z"), "%Z", "Europe/London"), "BST");
  });

  it("formats glibc's directives and its %-d (no padding), which Python passes through on Linux", () => {
    const sunday = new Date("2024-03-03T06:30:15Z");
    assert.equal(strftime(sunday, "%-d/%-m %-H:%M %-I %-j %-y"), "3/3 6:30 6 63 24");
    assert.equal(strftime(sunday, "%U %W %u %V %G %g %C"), "09 09 7 09 2024 24 20");
    assert.equal(strftime(sunday, "%D %T %F %R %r %h"), "03/03/24 06:30:15 2024-03-03 06:30 06:30:15 AM Mar");
    assert.equal(strftime(sunday, "%c|%x|%X|%e|%k|%l|%P"), "Sun Mar  3 06:30:15 2024|03/03/24|06:30:15| 3| 6| 6|am");
    // ISO weeks at year ends: 2021-01-01 is in 2020's week 53, 2024-12-30 in 2025's week 1.
    assert.equal(strftime(new Date("2021-01-01T00:00:00Z"), "%G-W%V-%u"), "2020-W53-5");
    assert.equal(strftime(new Date("2024-12-30T13:00:00Z"), "%G-W%V-%u %U %W"), "2025-W01-1 52 53");
  });

  it("reads a date back with a format, and refuses what does not match", () => {
    assert.equal(parseWithFormat("04/07/2024", "%d/%m/%Y")?.toISOString(), "2024-07-04T00:00:00.000Z");
    assert.equal(parseWithFormat("2024-02-30", "%Y-%m-%d"), undefined);
    assert.equal(parseWithFormat("yesterday", "%Y-%m-%d"), undefined);
  });
});

describe("secrets", () => {
  it("knows Airflow's sensitive names", () => {
    for (const name of [
      "db_password",
      "API_KEY",
      "my_secret",
      "github_token",
      "Authorization",
      "ssh_private_key",
      "passphrase",
      "apikey",
    ])
      assert.ok(isSensitiveName(name), name);
    for (const name of ["bucket", "region", "table_name"]) assert.ok(!isSensitiveName(name), name);
  });

  it("masks every occurrence of the secret values, longest first", () => {
    const mask = createMasker(["hunter22", "hunter", "ab"]);
    assert.equal(
      mask("pw=hunter22; again hunter22; prefix hunter; ab stays"),
      "pw=***; again ***; prefix ***; ab stays",
    );
    assert.deepEqual(maskRecordValues({ password: "x1", host: "h" }), { password: "***", host: "h" });
  });
});
