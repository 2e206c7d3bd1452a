// Connections as Airflow reads them: AIRFLOW_CONN_<ID> in JSON or URI form, before the store's.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  connectionFromEnvironment,
  getConnection,
  parseConnectionUri,
  requireConnection,
  requireVariable,
} from "../src/connections/index.js";
import { tempHome } from "./helpers/tempHome.js";
import { awsClientSettings } from "../src/hooks/awsConnection.js";

const empty = { connections: { get: () => undefined }, variables: { get: () => undefined } };

describe("connection URIs", () => {
  it("read every field, percent-decoded, with query parameters as extra", () => {
    assert.deepEqual(
      parseConnectionUri("pg", "postgres://ann:s%40cr%3Aet%2F@db.example.com:5433/shop?sslmode=require"),
      {
        connId: "pg",
        connType: "postgres",
        host: "db.example.com",
        login: "ann",
        password: "s@cr:et/",
        port: 5433,
        schema: "shop",
        extra: { sslmode: "require" },
      },
    );
  });

  it("read an AWS connection with no host, its endpoint and region in the query", () => {
    const aws = parseConnectionUri(
      "aws_default",
      "aws://AKIAKEY:secret%2Bkey@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000",
    );
    assert.equal(aws.connType, "aws");
    assert.equal(aws.host, undefined);
    assert.equal(aws.login, "AKIAKEY");
    assert.equal(aws.password, "secret+key");
    assert.deepEqual(aws.extra, { region_name: "eu-west-1", endpoint_url: "http://127.0.0.1:5000" });
  });

  it("take the extra whole from __extra__, and rename postgresql and dashed schemes as Airflow does", () => {
    assert.deepEqual(
      parseConnectionUri(
        "a",
        `aws://@/?__extra__=${encodeURIComponent('{"config_kwargs": {"s3": {"addressing_style": "path"}}}')}`,
      ).extra,
      {
        config_kwargs: { s3: { addressing_style: "path" } },
      },
    );
    assert.equal(parseConnectionUri("p", "postgresql://u@h/db").connType, "postgres");
    assert.equal(parseConnectionUri("g", "google-cloud-platform://").connType, "google_cloud_platform");
  });

  it("refuse what is not a URI, without echoing a password", () => {
    assert.throws(
      () => parseConnectionUri("x", "not a uri"),
      /Connection 'x': expected a URI such as postgres:\/\/user:password@host:5432\/schema/,
    );
    assert.throws(
      () => parseConnectionUri("x", "aws://@/?__extra__=nope"),
      /expected __extra__ in the URI to be a JSON object/,
    );
  });
});

describe("AIRFLOW_CONN_<ID>", () => {
  it("holds JSON with Airflow's keys, extra as an object or as a JSON string", () => {
    const env = {
      AIRFLOW_CONN_MY_S3: JSON.stringify({
        conn_type: "aws",
        login: "key",
        password: "secret",
        extra: '{"region_name": "eu-west-1"}',
      }),
    };
    const connection = connectionFromEnvironment("my_s3", env)!;
    assert.equal(connection.connType, "aws");
    assert.equal(connection.password, "secret");
    assert.deepEqual(connection.extra, { region_name: "eu-west-1" });
  });

  it("or a URI", () => {
    const connection = connectionFromEnvironment("db", { AIRFLOW_CONN_DB: "mysql://root:pw@127.0.0.1:3306/penguins" })!;
    assert.deepEqual(
      [connection.connType, connection.host, connection.port, connection.schema, connection.login],
      ["mysql", "127.0.0.1", 3306, "penguins", "root"],
    );
  });

  it("says what is wrong with broken JSON", () => {
    assert.throws(
      () => connectionFromEnvironment("x", { AIRFLOW_CONN_X: "{conn_type: aws}" }),
      /Expected AIRFLOW_CONN_X to hold JSON such as/,
    );
    assert.throws(
      () => connectionFromEnvironment("x", { AIRFLOW_CONN_X: '{"conn_type": "aws", "extra": 3}' }),
      /Expected "extra" in AIRFLOW_CONN_X to be a JSON object/,
    );
  });
});

describe("connection and variable lookups", () => {
  it("read the environment first, then the store, as Airflow's secrets backends do", () => {
    const fromStore = { connId: "lookup_test", connType: "sqlite", host: "/store.db" };
    const context = { ...empty, connections: { get: () => fromStore } };
    assert.equal(requireConnection(context, "lookup_test").host, "/store.db");
    process.env.AIRFLOW_CONN_LOOKUP_TEST = JSON.stringify({
      conn_type: "sqlite",
      host: "/env.db",
      port: 5432,
      extra: '{"k": 1}',
    });
    process.env.AIRFLOW_VAR_LOOKUP_TOKEN = "s3cret";
    try {
      assert.equal(requireConnection(context, "lookup_test").host, "/env.db");
      assert.deepEqual(requireConnection(empty, "lookup_test").extra, { k: 1 });
      assert.equal(requireVariable(empty, "lookup_token"), "s3cret");
    } finally {
      delete process.env.AIRFLOW_CONN_LOOKUP_TEST;
      delete process.env.AIRFLOW_VAR_LOOKUP_TOKEN;
    }
  });

  it("outside a task, read what `kitelab connections add` stored in the Kitelab home (a notebook cell's hook)", () => {
    const home = tempHome("kitelab-conn-");
    const previous = process.env.KITELAB_HOME;
    try {
      const cli = spawnSync(
        process.execPath,
        [
          fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url)),
          "connections",
          "add",
          "s3_lab",
          "--conn-uri",
          "aws://key:s3cret@/?region_name=eu-west-1",
        ],
        {
          encoding: "utf8",
          env: { ...process.env, KITELAB_HOME: home.home },
        },
      );
      assert.equal(cli.status, 0, cli.stderr);
      process.env.KITELAB_HOME = home.home;
      const connection = getConnection("s3_lab");
      assert.deepEqual(
        [connection.connType, connection.login, connection.password, connection.extra],
        ["aws", "key", "s3cret", { region_name: "eu-west-1" }],
      );
      assert.throws(() => getConnection("other", "--conn-type aws"), /No connection 'other'/);
    } finally {
      if (previous === undefined) delete process.env.KITELAB_HOME;
      else process.env.KITELAB_HOME = previous;
      home.cleanup();
    }
  });

  it("`kitelab connections add --conn-password-stdin` takes the password from standard input, never from argv", () => {
    const home = tempHome("kitelab-conn-stdin-");
    const previous = process.env.KITELAB_HOME;
    const bin = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
    const options = { encoding: "utf8" as const, env: { ...process.env, KITELAB_HOME: home.home } };
    try {
      const args = ["connections", "add", "warehouse", "--conn-type", "postgres", "--conn-login", "app"];
      const cli = spawnSync(process.execPath, [bin, ...args, "--conn-password-stdin"], {
        ...options,
        input: "pw from a pipe\n",
      });
      assert.equal(cli.status, 0, cli.stderr);
      assert.doesNotMatch(cli.stdout, /pw from a pipe/);
      process.env.KITELAB_HOME = home.home;
      assert.equal(getConnection("warehouse").password, "pw from a pipe", "the line end echo adds is not part of it");

      const twice = spawnSync(
        process.execPath,
        [bin, "connections", "add", "other", "--conn-uri", "postgres://app:pw@db/x", "--conn-password-stdin"],
        { ...options, input: "pw\n" },
      );
      assert.notEqual(twice.status, 0);
      assert.match(twice.stderr, /give the password once/);
      const empty = spawnSync(
        process.execPath,
        [bin, ...args.slice(0, 2), "third", ...args.slice(3), "--conn-password-stdin"],
        {
          ...options,
          input: "",
        },
      );
      assert.notEqual(empty.status, 0);
      assert.match(empty.stderr, /read an empty password/);
    } finally {
      if (previous === undefined) delete process.env.KITELAB_HOME;
      else process.env.KITELAB_HOME = previous;
      home.cleanup();
    }
  });

  it("say how to define what is missing", () => {
    assert.throws(
      () => requireConnection(empty, "nope", "--conn-type aws"),
      /No connection 'nope'. Define it with `kitelab connections add nope --conn-type aws`, or set the environment variable AIRFLOW_CONN_NOPE to its JSON or URI/,
    );
    assert.throws(
      () => requireVariable(empty, "nope"),
      /No variable 'nope'. Set it with `kitelab variables set nope <value>`/,
    );
  });
});

describe("an AWS connection, read as Airflow's AWS provider reads it", () => {
  it("login and password are the access key and secret; extra has the region and endpoint, which means path-style buckets", () => {
    assert.deepEqual(
      awsClientSettings({
        connId: "aws_default",
        connType: "aws",
        login: "key",
        password: "secret",
        extra: { region_name: "eu-west-1", endpoint_url: "http://127.0.0.1:5000" },
      }),
      {
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:5000",
        forcePathStyle: true,
        credentials: { accessKeyId: "key", secretAccessKey: "secret" },
      },
    );
  });

  it("without credentials leaves them to the AWS SDK's own chain, and AWS itself uses virtual-host buckets", () => {
    const settings = awsClientSettings({ connId: "aws_default", connType: "aws" }, {});
    assert.deepEqual(settings, {
      region: "us-east-1",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it("says what to change", () => {
    assert.throws(
      () => awsClientSettings({ connId: "c", connType: "postgres" }),
      /Expected connection 'c' to have conn type "aws", got "postgres" \(string\); define it with `kitelab connections add c --conn-type aws/,
    );
    assert.throws(
      () => awsClientSettings({ connId: "c", connType: "aws", login: "key" }),
      /has an access key id \(login\) but no secret \(password\)/,
    );
    assert.throws(
      () => awsClientSettings({ connId: "c", connType: "aws", extra: { endpoint_url: "127.0.0.1:5000" } }),
      /extra.endpoint_url of connection 'c' to be a URL such as "http:\/\/127.0.0.1:5000"/,
    );
  });
});
