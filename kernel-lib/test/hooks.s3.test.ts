// S3Hook and S3KeySensor against a real S3 API: moto's server from the repository's .venv,
// started on a free loopback port for this file and stopped after it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAG, S3Hook, S3KeySensor } from "../src/index.js";
import type { ConnectionRecord } from "../src/records.js";
import { repoRoot } from "./notebooks/runNotebook.js";
import { motoMissing, startMoto, type MotoServer } from "./helpers/servers/moto.js";
import { freePort } from "./helpers/servers/process.js";
import { waitFor } from "./helpers/waitFor.js";

const missing = motoMissing();

describe("S3Hook against moto's S3 server", { skip: missing }, () => {
  let moto: MotoServer;
  const work = mkdtempSync(join(tmpdir(), "kitelab-s3-"));

  before(async () => {
    moto = await startMoto();
    // Outside a task the hook reads the connection from the environment, as Airflow's does.
    process.env.AIRFLOW_CONN_AWS_DEFAULT = moto.connectionJson;
  });
  after(async () => {
    delete process.env.AIRFLOW_CONN_AWS_DEFAULT;
    await moto?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("creates a bucket, uploads a file and a string, lists, reads, downloads, checks and deletes keys", async () => {
    const s3 = new S3Hook();
    await s3.createBucket("lab3");
    assert.equal(await s3.checkForBucket("lab3"), true);
    assert.equal(await s3.checkForBucket("no-such-bucket"), false);

    const local = join(work, "petrol.csv");
    writeFileSync(local, "Petrol_tax,Petrol_Consumption\n9.0,541\n");
    await s3.loadFile(local, "datasets/petrol.csv", "lab3");
    await s3.loadString('{"trees": 50}', "models/2024-01-01/random_forest.json", "lab3");
    await s3.loadString("{}", "s3://lab3/models/2024-01-02/random_forest.json");

    assert.deepEqual(await s3.listKeys("lab3"), [
      "datasets/petrol.csv",
      "models/2024-01-01/random_forest.json",
      "models/2024-01-02/random_forest.json",
    ]);
    assert.deepEqual(await s3.listKeys("lab3", { prefix: "models/" }), [
      "models/2024-01-01/random_forest.json",
      "models/2024-01-02/random_forest.json",
    ]);
    assert.equal(await s3.readKey("models/2024-01-01/random_forest.json", "lab3"), '{"trees": 50}');

    const downloaded = await s3.downloadFile("datasets/petrol.csv", "lab3", join(work, "copy", "petrol_20240101.csv"));
    assert.equal(downloaded, join(work, "copy", "petrol_20240101.csv"));
    assert.equal(readFileSync(downloaded, "utf8"), readFileSync(local, "utf8"));
    assert.equal(
      await s3.downloadFile("datasets/petrol.csv", "lab3", work),
      join(work, "petrol.csv"),
      "a folder keeps the key's file name",
    );

    assert.equal(await s3.checkForKey("datasets/petrol.csv", "lab3"), true);
    assert.equal(await s3.checkForKey("datasets/other.csv", "lab3"), false);
    assert.equal(await s3.checkForWildcardKey("models/*/random_forest.json", "lab3"), true);

    await s3.deleteObjects("lab3", [
      "models/2024-01-01/random_forest.json",
      "models/2024-01-02/random_forest.json",
      "never/there.json",
    ]);
    assert.deepEqual(await s3.listKeys("lab3"), ["datasets/petrol.csv"]);
  });

  it("pages through more keys than one listing returns", async () => {
    const s3 = new S3Hook();
    await s3.createBucket("many");
    const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((key) => s3.loadString("x", key, "many")));
    assert.deepEqual(await s3.listKeys("many", { prefix: "k/" }), keys);
    await s3.deleteObjects("many", keys);
    assert.deepEqual(await s3.listKeys("many"), []);
  });

  it("keeps an existing key unless told to replace it", async () => {
    const s3 = new S3Hook();
    await s3.createBucket("replace");
    await s3.loadString("v1", "a.txt", "replace");
    await assert.rejects(
      s3.loadString("v2", "a.txt", "replace"),
      /Cannot upload key 'a.txt' in bucket 'replace': the key already exists \(connection 'aws_default'\). Pass \{ replace: true \}/,
    );
    await s3.loadString("v2", "a.txt", "replace", { replace: true });
    assert.equal(await s3.readKey("a.txt", "replace"), "v2");
  });

  it("names the connection, the bucket and the key when the bucket or the key is missing", async () => {
    const s3 = new S3Hook();
    await assert.rejects(s3.readKey("datasets/petrol.csv", "no-such-bucket"), (error: Error & { problem?: string }) => {
      assert.equal(error.name, "S3HookError");
      assert.equal(error.problem, "no_such_bucket");
      assert.match(
        error.message,
        /Cannot read key 'datasets\/petrol.csv' in bucket 'no-such-bucket': the bucket 'no-such-bucket' does not exist at http:\/\/127.0.0.1:\d+ \(connection 'aws_default'\)/,
      );
      return true;
    });
    await s3.createBucket("keys");
    await assert.rejects(
      s3.downloadFile("missing.csv", "keys", join(work, "missing.csv")),
      /Cannot download key 'missing.csv' in bucket 'keys': no such key at .*connection 'aws_default'.*listKeys\("keys"\)/,
    );
    await assert.rejects(
      s3.listKeys("no-such-bucket"),
      /Cannot list the keys of bucket 'no-such-bucket': the bucket 'no-such-bucket' does not exist/,
    );
    await assert.rejects(s3.loadFile(join(work, "nope.csv"), "k", "keys"), /Cannot upload .*nope.csv: no such file/);
  });

  it("says the endpoint is unreachable, naming the connection", async () => {
    const port = await freePort();
    process.env.AIRFLOW_CONN_S3_DOWN = `aws://key:secret@/?region_name=us-east-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A${port}`;
    try {
      await assert.rejects(
        new S3Hook({ awsConnId: "s3_down" }).readKey("a", "b"),
        (error: Error & { problem?: string }) => {
          assert.equal(error.problem, "unreachable");
          assert.match(
            error.message,
            new RegExp(
              `the S3 endpoint http://127.0.0.1:${port} of connection 's3_down' is unreachable \\(ECONNREFUSED\\). Is the server running\\? Check extra.endpoint_url`,
            ),
          );
          assert.doesNotMatch(error.message, /secret/);
          return true;
        },
      );
    } finally {
      delete process.env.AIRFLOW_CONN_S3_DOWN;
    }
  });

  it("says how to define a missing connection", async () => {
    await assert.rejects(
      new S3Hook({ awsConnId: "nowhere" }).listKeys("b"),
      /No connection 'nowhere'. Define it with `kitelab connections add nowhere --conn-type aws --conn-login <access key id>/,
    );
  });

  it("an S3KeySensor waits for the key another task uploads, with the connection from the run's connections", async () => {
    delete process.env.AIRFLOW_CONN_AWS_DEFAULT; // this time the connection comes from the store, through the task's context
    try {
      const connections: Record<string, ConnectionRecord> = {
        aws_default: { connId: "aws_default", ...JSON.parse(moto.connectionJson), connType: "aws" },
      };
      const pokes: boolean[] = [];
      // The real sensor, observed: the uploader waits until it has looked once and not found the key.
      class ObservedSensor extends S3KeySensor {
        override async poke() {
          const found = await super.poke();
          pokes.push(found !== undefined);
          return found;
        }
      }
      const dag = new DAG({ dagId: "s3_sensor_test", schedule: null });
      dag.task("create_bucket", async () => new S3Hook().createBucket("incoming"));
      const sensor = new ObservedSensor({
        dag,
        taskId: "wait_for_data",
        bucketName: "incoming",
        bucketKey: "data/{{ ds }}.csv",
        pokeInterval: "100ms",
        timeout: "60s",
      });
      const upload = dag.task("upload_data", async ({ ds }) => {
        await waitFor("the sensor's first poke", () => (pokes.length > 0 ? true : undefined));
        await new S3Hook().loadString("a,b\n1,2\n", `data/${ds}.csv`, "incoming");
      });
      dag.getTask("create_bucket").then([sensor, upload]);
      const result = await dag.test({ logicalDate: "2024-01-01", connections, quiet: true });
      assert.equal(result.state, "success", result.toString());
      assert.equal(pokes[0], false, "the first poke found nothing");
      assert.equal(pokes.at(-1), true);
      assert.equal(result.xcom("wait_for_data"), "s3://incoming/data/2024-01-01.csv");
      assert.match(
        result.task("wait_for_data")!.logs.join("\n"),
        /Found s3:\/\/incoming\/data\/2024-01-01.csv after \d+ poke\(s\)/,
      );
    } finally {
      process.env.AIRFLOW_CONN_AWS_DEFAULT = moto.connectionJson;
    }
  });

  it("an S3KeySensor with wildcardMatch waits for any key matching a * pattern", async () => {
    const s3 = new S3Hook();
    await s3.createBucket("drops");
    await s3.loadString("x", "exports/2024-01-01/readme.txt", "drops");
    const pokes: boolean[] = [];
    class ObservedSensor extends S3KeySensor {
      override async poke() {
        const found = await super.poke();
        pokes.push(found !== undefined);
        return found;
      }
    }
    const dag = new DAG({ dagId: "s3_wildcard_sensor_test", schedule: null });
    new ObservedSensor({
      dag,
      taskId: "wait_for_any_csv",
      bucketName: "drops",
      bucketKey: "exports/{{ ds }}/*.csv",
      wildcardMatch: true,
      pokeInterval: "100ms",
      timeout: "60s",
    });
    dag.task("upload_csv", async ({ ds }) => {
      await waitFor("the sensor's first poke", () => (pokes.length > 0 ? true : undefined));
      await new S3Hook().loadString("a\n1\n", `exports/${ds}/part-0001.csv`, "drops");
    });
    const result = await dag.test({ logicalDate: "2024-01-01", quiet: true });
    assert.equal(result.state, "success", result.toString());
    assert.equal(pokes[0], false, "readme.txt does not match *.csv");
    assert.equal(pokes.at(-1), true);
    assert.equal(result.xcom("wait_for_any_csv"), "s3://drops/exports/2024-01-01/*.csv");
    assert.equal(await s3.checkForWildcardKey("exports/2024-01-0?/*.csv", "drops"), true);
    assert.equal(await s3.checkForWildcardKey("exports/2024-01-0?/*.json", "drops"), false);
  });
});

describe("S3Hook against moto enforcing IAM", { skip: missing }, () => {
  it("access denied names the connection, the bucket and the key, and never the secret", async () => {
    // moto answers its first 4 requests without checking: they create a user allowed only to
    // list one bucket, its access key and the bucket. From then on it checks every
    // request's signature and the user's policy, as AWS does.
    const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "4" } });
    try {
      const student = await createListOnlyUser(moto.endpoint, "locked");
      process.env.AIRFLOW_CONN_S3_STUDENT = JSON.stringify({
        conn_type: "aws",
        login: student.accessKeyId,
        password: student.secretAccessKey,
        extra: { region_name: "us-east-1", endpoint_url: moto.endpoint },
      });
      const s3 = new S3Hook({ awsConnId: "s3_student" });
      assert.deepEqual(await s3.listKeys("locked"), [], "the policy allows listing");
      await assert.rejects(s3.readKey("models/model.json", "locked"), (error: Error & { problem?: string }) => {
        assert.equal(error.problem, "access_denied");
        assert.match(
          error.message,
          /Cannot read key 'models\/model.json' in bucket 'locked': access denied by http:\/\/127.0.0.1:\d+ \(connection 's3_student'\).*Check the connection's login \(access key id\) and password \(secret\)/,
        );
        assert.ok(!error.message.includes(student.secretAccessKey), "the secret is not in the message");
        return true;
      });
      process.env.AIRFLOW_CONN_S3_STUDENT = JSON.stringify({
        conn_type: "aws",
        login: "AKIA-NOT-A-KEY",
        password: "wrong",
        extra: { region_name: "us-east-1", endpoint_url: moto.endpoint },
      });
      await assert.rejects(
        new S3Hook({ awsConnId: "s3_student" }).listKeys("locked"),
        (error: Error & { problem?: string }) => error.problem === "access_denied" && /s3_student/.test(error.message),
      );
    } finally {
      delete process.env.AIRFLOW_CONN_S3_STUDENT;
      await moto.stop();
    }
  });
});

/** Through boto3 from the repository's .venv (moto's own dependency): IAM has no client in this repository. */
function createListOnlyUser(
  endpoint: string,
  bucket: string,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const script = `
import boto3, json, sys
endpoint, bucket = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
iam = session.client("iam", endpoint_url=endpoint)
iam.create_user(UserName="student")
key = iam.create_access_key(UserName="student")["AccessKey"]
session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
iam.put_user_policy(UserName="student", PolicyName="list-only", PolicyDocument=json.dumps({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}],
}))
print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))
`;
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, ".venv", "bin", "python"), ["-c", script, endpoint, bucket], (error, stdout, stderr) =>
      error ? reject(new Error(`creating the IAM user failed: ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}
