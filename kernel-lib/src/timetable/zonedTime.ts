/** Wall-clock time in an IANA time zone, with nothing but `Intl`. */
import { closestMatch } from "../util/editDistance.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** True when `timezone` is an IANA name (or `UTC`) this Node knows. */
export function isValidTimezone(timezone: string): boolean {
  if (timezone.trim().length === 0) return false;
  // Creating the first Intl formatter loads the time zone data: tens of milliseconds a CLI command need not pay for UTC.
  if (timezone === "UTC") return true;
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The problem with a time zone name, or undefined when it is valid; a near miss names the
 * closest IANA name.
 * @example timezoneProblem("Europe/Pariss") // 'Invalid timezone "Europe/Pariss": ... Did you mean "Europe/Paris"?'
 */
export function timezoneProblem(timezone: unknown): string | undefined {
  if (typeof timezone === "string" && isValidTimezone(timezone)) return undefined;
  const close = typeof timezone === "string" ? closestMatch(timezone, knownTimezones()) : undefined;
  return (
    `Invalid timezone ${JSON.stringify(timezone)}: expected an IANA time zone name such as "UTC", "Europe/Paris" or "America/New_York"` +
    (close ? `. Did you mean "${close}"?` : "")
  );
}

let timezoneNames: readonly string[] | undefined;

/** Every IANA name this Node knows (its canonical names, and UTC, which it lists under Etc). */
function knownTimezones(): readonly string[] {
  // Node 18+ has Intl.supportedValuesOf; this TypeScript's ES2023 lib does not declare it.
  const intl = Intl as unknown as { supportedValuesOf?: (key: "timeZone") => string[] };
  timezoneNames ??= ["UTC", ...(intl.supportedValuesOf?.("timeZone") ?? [])];
  return timezoneNames;
}

/** The wall-clock fields of `instant` in `timezone`. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function wallTimeOf(instant: Date, timezone: string): WallTime {
  // UTC, the default zone, needs no formatter: formatToParts costs microseconds a call, and a
  // schedule walk makes thousands.
  if (timezone === "UTC")
    return {
      year: instant.getUTCFullYear(),
      month: instant.getUTCMonth() + 1,
      day: instant.getUTCDate(),
      hour: instant.getUTCHours(),
      minute: instant.getUTCMinutes(),
      second: instant.getUTCSeconds(),
      millisecond: instant.getUTCMilliseconds(),
    };
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
    millisecond: instant.getUTCMilliseconds(),
  };
}

/** Minutes east of UTC at `instant` in `timezone` (Paris in winter: 60). */
export function offsetMinutes(instant: Date, timezone: string): number {
  const wall = wallTimeOf(instant, timezone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/**
 * The instant at which clocks in `timezone` show `wall`. A wall time skipped by a DST jump
 * resolves to the instant after the jump; a repeated one to its first occurrence.
 */
export function instantOfWallTime(wall: WallTime, timezone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  const before = offsetMinutes(new Date(asUtc - 86_400_000), timezone);
  const after = offsetMinutes(new Date(asUtc + 86_400_000), timezone);
  const candidates = [asUtc - before * 60_000, asUtc - after * 60_000].sort((a, b) => a - b);
  for (const candidate of candidates) {
    const back = wallTimeOf(new Date(candidate), timezone);
    if (back.hour === wall.hour && back.minute === wall.minute && back.day === wall.day) return new Date(candidate);
  }
  return new Date(Math.max(...candidates));
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/**
 * `2024-03-31 00:00` in `timezone`, with seconds only when they are not zero, and the UTC
 * offset when `withOffset` (`2024-03-31 00:00 +01:00`).
 */
export function formatWallTime(instant: Date, timezone: string, withOffset = false): string {
  const wall = wallTimeOf(instant, timezone);
  let text = `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)}`;
  if (wall.second !== 0 || wall.millisecond !== 0) {
    text += `:${pad(wall.second)}${wall.millisecond !== 0 ? `.${pad(wall.millisecond, 3)}` : ""}`;
  }
  return withOffset ? `${text} ${formatOffset(offsetMinutes(instant, timezone))}` : text;
}
