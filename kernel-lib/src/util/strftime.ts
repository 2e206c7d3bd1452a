import { zoneAbbreviation } from "../timetable/zoneAbbreviation.js";
import { wallTimeOf, type WallTime } from "../timetable/zonedTime.js";

/**
 * Python's strftime directives, for Airflow-style date formats (`%Y%m%d-%H%M%S`).
 * Formats in any IANA time zone (UTC by default).
 */
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface Parts extends WallTime {
  weekday: number;
  offsetMinutes: number;
  zoneName: string;
}

function partsOf(date: Date, timeZone: string): Parts {
  const utc = timeZone === "UTC" || timeZone === "utc";
  const wall = utc ? wallTimeOf(date, "UTC") : wallTimeOf(date, timeZone);
  const wallMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  return {
    ...wall,
    weekday: new Date(wallMs).getUTCDay(),
    offsetMinutes: Math.round((wallMs - date.getTime()) / 60_000),
    zoneName: utc ? "UTC" : zoneNameOf(date, timeZone),
  };
}

/** The tz database's abbreviation (`CET`), as Python prints `%Z`; else the platform's short name. */
function zoneNameOf(date: Date, timeZone: string): string {
  const abbreviation = zoneAbbreviation(date, timeZone);
  if (abbreviation) return abbreviation;
  const part = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" })
    .formatToParts(date)
    .find((entry) => entry.type === "timeZoneName");
  return part?.value ?? timeZone;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

function dayOfYear(parts: Parts): number {
  return Math.round((Date.UTC(parts.year, parts.month - 1, parts.day) - Date.UTC(parts.year, 0, 1)) / 86_400_000) + 1;
}

/** The ISO 8601 week-based year and week number (`%G`, `%V`). */
function isoWeek(parts: Parts): { year: number; week: number } {
  const isoWeekday = parts.weekday === 0 ? 7 : parts.weekday;
  // The week's Thursday decides its year.
  const thursday = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + 4 - isoWeekday));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year, week };
}

/** Directives whose `%-` form drops the padding (glibc's flag, which Python on Linux passes through). */
const NUMERIC = new Set("dmyHIMSjeklUWVCgGuw".split(""));

/**
 * Formats `date` like Python's `datetime.strftime` on Linux: Python's own `%f %z %Z` and
 * glibc's directives in the C locale, with glibc's `%-d` (no padding). Unknown directives
 * are kept as written.
 */
export function strftime(date: Date, format: string, timeZone = "UTC"): string {
  const parts = partsOf(date, timeZone);
  const expand = (directive: string): string | undefined => {
    switch (directive) {
      case "Y":
        return String(parts.year);
      case "y":
        return pad(parts.year % 100);
      case "C":
        return pad(Math.floor(parts.year / 100));
      case "m":
        return pad(parts.month);
      case "d":
        return pad(parts.day);
      case "e":
        return String(parts.day).padStart(2, " ");
      case "H":
        return pad(parts.hour);
      case "k":
        return String(parts.hour).padStart(2, " ");
      case "I":
        return pad(parts.hour % 12 === 0 ? 12 : parts.hour % 12);
      case "l":
        return String(parts.hour % 12 === 0 ? 12 : parts.hour % 12).padStart(2, " ");
      case "p":
        return parts.hour < 12 ? "AM" : "PM";
      case "P":
        return parts.hour < 12 ? "am" : "pm";
      case "M":
        return pad(parts.minute);
      case "S":
        return pad(parts.second);
      case "f":
        return pad(date.getUTCMilliseconds() * 1000, 6);
      case "j":
        return pad(dayOfYear(parts), 3);
      case "a":
        return DAY_NAMES[parts.weekday]!.slice(0, 3);
      case "A":
        return DAY_NAMES[parts.weekday]!;
      case "b":
      case "h":
        return MONTH_NAMES[parts.month - 1]!.slice(0, 3);
      case "B":
        return MONTH_NAMES[parts.month - 1]!;
      case "w":
        return String(parts.weekday);
      case "u":
        return String(parts.weekday === 0 ? 7 : parts.weekday);
      case "U":
        return pad(Math.floor((dayOfYear(parts) - 1 + 7 - parts.weekday) / 7));
      case "W":
        return pad(Math.floor((dayOfYear(parts) - 1 + 7 - ((parts.weekday + 6) % 7)) / 7));
      case "V":
        return pad(isoWeek(parts).week);
      case "G":
        return String(isoWeek(parts).year);
      case "g":
        return pad(isoWeek(parts).year % 100);
      case "D":
      case "x":
        return `${expand("m")}/${expand("d")}/${expand("y")}`;
      case "F":
        return `${expand("Y")}-${expand("m")}-${expand("d")}`;
      case "T":
      case "X":
        return `${expand("H")}:${expand("M")}:${expand("S")}`;
      case "R":
        return `${expand("H")}:${expand("M")}`;
      case "r":
        return `${expand("I")}:${expand("M")}:${expand("S")} ${expand("p")}`;
      case "c":
        return `${expand("a")} ${expand("b")} ${expand("e")} ${expand("T")} ${expand("Y")}`;
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "z": {
        const sign = parts.offsetMinutes < 0 ? "-" : "+";
        const minutes = Math.abs(parts.offsetMinutes);
        return `${sign}${pad(Math.floor(minutes / 60))}${pad(minutes % 60)}`;
      }
      case "Z":
        return parts.zoneName;
      case "s":
        return String(Math.floor(date.getTime() / 1000));
      case "%":
        return "%";
      default:
        return undefined;
    }
  };
  return format.replace(/%(-?)([A-Za-z%])/g, (whole, flag: string, directive: string) => {
    const value = expand(directive);
    if (value === undefined) return whole;
    return flag === "-" && NUMERIC.has(directive) ? value.replace(/^[0 ]+(?=\d)/, "") : value;
  });
}

/**
 * Reads a date written in `format` (numeric directives %Y %m %d %H %M %S %y %j and
 * literal text), as UTC. Undefined when the text does not match.
 */
export function parseWithFormat(text: string, format: string): Date | undefined {
  const fields: string[] = [];
  let pattern = "";
  for (let index = 0; index < format.length; index += 1) {
    const char = format[index]!;
    if (char === "%" && index + 1 < format.length) {
      const directive = format[++index]!;
      const widths: Record<string, string> = {
        Y: "(\\d{4})",
        y: "(\\d{2})",
        m: "(\\d{1,2})",
        d: "(\\d{1,2})",
        H: "(\\d{1,2})",
        M: "(\\d{1,2})",
        S: "(\\d{1,2})",
        j: "(\\d{1,3})",
      };
      if (directive === "%") pattern += "%";
      else if (widths[directive]) {
        pattern += widths[directive];
        fields.push(directive);
      } else return undefined;
    } else {
      pattern += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  const match = new RegExp(`^${pattern}$`).exec(text.trim());
  if (!match) return undefined;
  const value = { Y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0, j: 0 };
  fields.forEach((field, position) => {
    const number = Number(match[position + 1]);
    if (field === "y") value.Y = number < 69 ? 2000 + number : 1900 + number;
    else (value as Record<string, number>)[field] = number;
  });
  if (value.m < 1 || value.m > 12 || value.d < 1 || value.d > 31 || value.H > 23 || value.M > 59 || value.S > 60)
    return undefined;
  const date =
    value.j > 0
      ? new Date(Date.UTC(value.Y, 0, value.j, value.H, value.M, value.S))
      : new Date(Date.UTC(value.Y, value.m - 1, value.d, value.H, value.M, value.S));
  if (value.j === 0 && date.getUTCDate() !== value.d) return undefined;
  return date;
}
