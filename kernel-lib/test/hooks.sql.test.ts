// SqliteHook, PostgresHook and MySqlHook: one interface, the same spec run against each database,
// Postgres and MariaDB as throwaway servers in temporary folders on free loopback ports.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAG, MySqlHook, PostgresHook, SQLExecuteQueryOperator, SqliteHook, type DbApiHook } from "../src/index.js";
import type { ConnectionRecord } from "../src/records.js";
import { toNumberedPlaceholders } from "../src/hooks/sql/placeholders.js";
import {
  mariaDbMissing,
  postgresMissing,
  startMariaDb,
  startPostgres,
  type DatabaseServer,
} from "./helpers/servers/databases.js";

describe("? placeholders for Postgres", () => {
  it("become $1, $2, ... outside literals, quoted names and comments", () => {
    assert.equal(
      toNumberedPlaceholders(
        `SELECT ?, 'it''s ?', "odd?col", $$body ?$$ FROM t -- why?\nWHERE a = ? /* ? */ AND b = ?`,
      ),
      `SELECT $1, 'it''s ?', "odd?col", $$body ?$$ FROM t -- why?\nWHERE a = $2 /* ? */ AND b = $3`,
    );
  });
});

interface Database {
  connType: string;
  missing: () => string | undefined;
  start: () => Promise<Omit<ConnectionRecord, "connId" | "connType"> & { stop(): Promise<void> }>;
  hook: (connId: string) => DbApiHook;
}

const sqliteServer = async () => {
  const dir = mkdtempSync(join(tmpdir(), "kitelab-sqlite-"));
  return { host: join(dir, "test.db"), stop: async () => rmSync(dir, { recursive: true, force: true }) };
};

const databases: Record<string, Database> = {
  SqliteHook: {
    connType: "sqlite",
    missing: () => undefined,
    start: sqliteServer,
    hook: (connId) => new SqliteHook({ sqliteConnId: connId }),
  },
  PostgresHook: {
    connType: "postgres",
    missing: postgresMissing,
    start: startPostgres,
    hook: (connId) => new PostgresHook({ postgresConnId: connId }),
  },
  MySqlHook: {
    connType: "mysql",
    missing: mariaDbMissing,
    start: startMariaDb,
    hook: (connId) => new MySqlHook({ mysqlConnId: connId }),
  },
};

for (const [name, database] of Object.entries(databases)) {
  describe(
    `${name} against a real ${database.connType === "mysql" ? "MariaDB" : database.connType}`,
    { skip: database.missing() },
    () => {
      let server: Awaited<ReturnType<Database["start"]>>;
      const connId = `${database.connType}_test`;
      const envName = `AIRFLOW_CONN_${connId.toUpperCase()}`;
      const record = (): ConnectionRecord => {
        const { stop: _stop, ...fields } = server as typeof server & DatabaseServer;
        return { connId, connType: database.connType, ...fields };
      };

      before(async () => {
        server = await database.start();
        process.env[envName] = JSON.stringify({ ...record(), conn_type: database.connType });
      });
      after(async () => {
        delete process.env[envName];
        await server?.stop();
      });

      it("runs statements, inserts rows and reads them back as arrays", async () => {
        const db = database.hook(connId);
        await db.run([
          "DROP TABLE IF EXISTS penguins",
          "CREATE TABLE penguins (species TEXT, island TEXT, body_mass_g DOUBLE PRECISION)",
        ]);
        const inserted = await db.insertRows(
          "penguins",
          [
            ["Adelie", "Torgersen", 3750],
            ["Gentoo", "Biscoe", 5400.5],
            ["Chinstrap", "Dream", null],
          ],
          ["species", "island", "body_mass_g"],
          { commitEvery: 2 },
        );
        assert.equal(inserted, 3);
        assert.deepEqual(await db.getRecords("SELECT species, body_mass_g FROM penguins ORDER BY species"), [
          ["Adelie", 3750],
          ["Chinstrap", null],
          ["Gentoo", 5400.5],
        ]);
        assert.deepEqual(await db.getFirst("SELECT island FROM penguins WHERE body_mass_g > ?", [4000]), ["Biscoe"]);
        assert.equal(await db.getFirst("SELECT island FROM penguins WHERE species = ?", ["Emperor"]), undefined);
        const [update] = await db.run("UPDATE penguins SET island = ? WHERE species = ?", ["Dream", "Adelie"]);
        assert.equal(update!.rowCount, 1);
        assert.equal(Number((await db.getFirst("SELECT COUNT(*) FROM penguins WHERE island = ?", ["Dream"]))![0]), 2);
      });

      it("sends parameters apart from the SQL: injection-shaped values are stored as text", async () => {
        const db = database.hook(connId);
        const attacks = [
          "x'); DROP TABLE penguins; --",
          "' OR '1'='1",
          'Robert"); DELETE FROM penguins; --',
          "?",
          "$1",
          "\\'; --",
        ];
        await db.insertRows(
          "penguins",
          attacks.map((species) => [species, "Nowhere", 1]),
          ["species", "island", "body_mass_g"],
        );
        for (const species of attacks) {
          assert.deepEqual(
            await db.getRecords("SELECT species FROM penguins WHERE species = ?", [species]),
            [[species]],
            species,
          );
        }
        assert.deepEqual(
          await db.getRecords("SELECT species FROM penguins WHERE island = ? AND species = ?", [
            "Torgersen",
            "' OR '1'='1",
          ]),
          [],
        );
        assert.equal(
          Number((await db.getFirst("SELECT COUNT(*) FROM penguins"))![0]),
          3 + attacks.length,
          "no statement hidden in a value ran",
        );
        assert.deepEqual(
          await db.getFirst("SELECT '?' , ?", ["real"]),
          ["?", "real"],
          "a ? inside a literal is not a placeholder",
        );
      });

      it("rolls back every statement of a run when one fails", async () => {
        const db = database.hook(connId);
        await db.run("CREATE TABLE IF NOT EXISTS counters (name TEXT, n INTEGER)");
        await db.run("DELETE FROM counters");
        await assert.rejects(
          db.run(["INSERT INTO counters VALUES ('a', 1)", "INSERT INTO no_such_table VALUES (1)"]),
          (error: Error) => {
            assert.equal(error.name, "SqlHookError");
            assert.match(error.message, new RegExp(`connection '${connId}'.*no_such_table`, "s"));
            return true;
          },
        );
        assert.deepEqual(await db.getRecords("SELECT name FROM counters"), []);
      });

      it("SQLExecuteQueryOperator runs templated SQL on the connection's database and pushes the rows to XCom", async () => {
        delete process.env[envName]; // from the run's connections this time, as the scheduler's store hands them over
        try {
          const dag = new DAG({ dagId: `sql_${database.connType}`, schedule: null });
          const create = new SQLExecuteQueryOperator({
            dag,
            taskId: "create",
            connId,
            sql: ["DROP TABLE IF EXISTS loads", "CREATE TABLE loads (ds TEXT, n INTEGER)"],
          });
          const insert = new SQLExecuteQueryOperator({
            dag,
            taskId: "insert",
            connId,
            sql: "INSERT INTO loads VALUES ('{{ ds }}', ?)",
            parameters: [42],
          });
          const select = new SQLExecuteQueryOperator({
            dag,
            taskId: "select",
            connId,
            sql: "SELECT ds, n FROM loads WHERE ds = '{{ ds }}'",
          });
          create.then(insert).then(select);
          const result = await dag.test({
            logicalDate: "2024-01-01",
            connections: { [connId]: record() },
            quiet: true,
          });
          assert.equal(result.state, "success", result.toString());
          assert.deepEqual(result.xcom("select"), [["2024-01-01", 42]]);
          assert.equal(result.xcom("insert"), undefined, "an INSERT returns no rows");
          assert.match(
            result.task("select")!.logs.join("\n"),
            /Running on .* SELECT ds, n FROM loads WHERE ds = '2024-01-01'[\s\S]*1 row\(s\) returned/,
          );
        } finally {
          process.env[envName] = JSON.stringify({ ...record(), conn_type: database.connType });
        }
      });

      it("refuses a connection of another database's type, saying which hook reads it", async () => {
        process.env.AIRFLOW_CONN_WRONG_TYPE = "aws://key:secret@/";
        try {
          await assert.rejects(
            database.hook("wrong_type").getRecords("SELECT 1"),
            new RegExp(`expected connection 'wrong_type' to have conn type "${database.connType}", got "aws"`),
          );
        } finally {
          delete process.env.AIRFLOW_CONN_WRONG_TYPE;
        }
      });

      if (database.connType !== "sqlite") {
        it("a wrong password fails with a message that names the connection and never holds the password", async () => {
          const wrongPassword = "not-the-Password-123";
          process.env.AIRFLOW_CONN_WRONG_PASSWORD = JSON.stringify({
            ...record(),
            conn_type: database.connType,
            password: wrongPassword,
          });
          try {
            await assert.rejects(
              database.hook("wrong_password").getRecords("SELECT 1"),
              (error: Error & { code?: string }) => {
                assert.equal(error.name, "SqlHookError");
                assert.match(
                  error.message,
                  /connection 'wrong_password' \(kitelab@127\.0\.0\.1:\d+\/\w+\).*Check the login and password of connection 'wrong_password'/s,
                );
                assert.ok(
                  !error.message.includes(wrongPassword) && !(error.stack ?? "").includes(wrongPassword),
                  error.message,
                );
                assert.ok(!error.message.includes(server.password!), "nor the right one");
                return true;
              },
            );
          } finally {
            delete process.env.AIRFLOW_CONN_WRONG_PASSWORD;
          }
        });
      }
    },
  );
}
