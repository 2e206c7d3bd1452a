import type { Command } from "commander";
import type { ClockInfo } from "../../clock/clock.js";
import { toMilliseconds } from "../../util/duration.js";
import { CliError } from "../output.js";
import { cliContext } from "../storeAccess.js";

/** `kitelab clock show|advance`: the running scheduler's clock (moved only when it runs with --clock manual). */
export function registerClockCommands(program: Command): void {
  const clock = program
    .command("clock")
    .description("Show or move the running scheduler's clock (kitelab standalone --clock manual)");

  clock
    .command("show")
    .description("The clock the running scheduler uses, and its time")
    .option("--json", "print the clock as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const info = await cliContext(command).api<ClockInfo>("GET", "/clock");
      process.stdout.write(options.json ? `${JSON.stringify(info)}\n` : `${describe(info)}\n`);
    });

  clock
    .command("advance")
    .description("Move a manual clock forward; runs that become due are created at once")
    .argument("<duration>", "how far: 30m, 6h, 1d, 1w, 1d12h")
    .option("--json", "print the clock as JSON")
    .action(async (duration: string, options: { json?: boolean }, command: Command) => {
      if (!isPositiveDuration(duration))
        throw new CliError(`the duration must be positive, such as 30m, 6h, 1d or 1w; got ${JSON.stringify(duration)}`);
      const info = await cliContext(command).api<ClockInfo>("POST", "/clock", { advance: duration });
      process.stdout.write(options.json ? `${JSON.stringify(info)}\n` : `${describe(info)}\n`);
    });
}

function describe(info: ClockInfo): string {
  return `Scheduler time ${info.now} (${info.description})`;
}

function isPositiveDuration(text: string): boolean {
  try {
    return toMilliseconds(text, "duration") > 0;
  } catch {
    return false;
  }
}
