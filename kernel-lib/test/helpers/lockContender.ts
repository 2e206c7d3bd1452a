// A process that races for a store lock at a given instant (persistence.lock.test.ts):
// prints "won PID" and holds the lock for a while, or "locked MESSAGE".
import { acquireLock, StoreLockedError } from "../../src/persistence/lock.js";

const [path, startAtText, holdMsText] = process.argv.slice(2);
const startAt = Number(startAtText);
while (Date.now() < startAt) {
  // Spin so that every contender tries at the same instant.
}
try {
  const lock = acquireLock(path!, "the test store");
  process.stdout.write(`won ${process.pid}\n`);
  setTimeout(() => {
    lock.release();
    process.exit(0);
  }, Number(holdMsText));
} catch (error) {
  if (!(error instanceof StoreLockedError)) throw error;
  process.stdout.write(`locked ${error.message}\n`);
}
