import { readFileSync } from "node:fs";
import { join } from "node:path";
import { offsetMinutes } from "./zonedTime.js";

/**
 * A time zone's abbreviation at an instant as the tz database writes it (`CET`, `CEST`,
 * `IST`, `AEDT`, `-03`), which is what Python's `strftime("%Z")` prints in Airflow. Read
 * from the system's compiled tz database (TZif files under /usr/share/zoneinfo, or $TZDIR);
 * `undefined` when that is not there or the zone is not in it, so callers can fall back.
 */
export function zoneAbbreviation(instant: Date, timeZone: string): string | undefined {
  const zone = loadZone(timeZone);
  if (!zone) return undefined;
  const seconds = Math.floor(instant.getTime() / 1000);
  const last = zone.transitions.length - 1;
  if (zone.footer && (last < 0 || seconds >= zone.transitions[last]!)) {
    // After the table, the footer's rule applies: its daylight name when the offset is not standard.
    return offsetMinutes(instant, timeZone) * 60 === zone.footer.standardOffset || !zone.footer.daylightName
      ? zone.footer.standardName
      : zone.footer.daylightName;
  }
  let type = zone.defaultType;
  for (let index = last; index >= 0; index--) {
    if (zone.transitions[index]! <= seconds) {
      type = zone.transitionTypes[index]!;
      break;
    }
  }
  return zone.abbreviations[type];
}

interface Zone {
  /** Transition instants, seconds since the epoch, ascending. */
  transitions: number[];
  /** The local time type each transition switches to. */
  transitionTypes: number[];
  /** Each local time type's abbreviation. */
  abbreviations: string[];
  /** The type before the first transition. */
  defaultType: number;
  footer?: { standardName: string; standardOffset: number; daylightName?: string };
}

const zones = new Map<string, Zone | undefined>();

function loadZone(timeZone: string): Zone | undefined {
  if (zones.has(timeZone)) return zones.get(timeZone);
  let zone: Zone | undefined;
  if (/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    try {
      zone = parseTzif(readFileSync(join(process.env.TZDIR ?? "/usr/share/zoneinfo", timeZone)));
    } catch {
      zone = undefined;
    }
  }
  zones.set(timeZone, zone);
  return zone;
}

/** Parses a TZif file (RFC 8536): the 64-bit block of version 2+ files, else the 32-bit one. */
function parseTzif(data: Buffer): Zone | undefined {
  if (data.toString("latin1", 0, 4) !== "TZif") return undefined;
  const version = data[4]!;
  const header = (at: number) => ({
    isutcnt: data.readUInt32BE(at + 20),
    isstdcnt: data.readUInt32BE(at + 24),
    leapcnt: data.readUInt32BE(at + 28),
    timecnt: data.readUInt32BE(at + 32),
    typecnt: data.readUInt32BE(at + 36),
    charcnt: data.readUInt32BE(at + 40),
  });
  const blockLength = (h: ReturnType<typeof header>, timeSize: number) =>
    h.timecnt * timeSize + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (timeSize + 4) + h.isstdcnt + h.isutcnt;
  let at = 0;
  let h = header(0);
  let timeSize = 4;
  if (version >= 0x32) {
    at = 44 + blockLength(h, 4);
    if (data.toString("latin1", at, at + 4) !== "TZif") return undefined;
    h = header(at);
    timeSize = 8;
  }
  let cursor = at + 44;
  const transitions: number[] = [];
  for (let index = 0; index < h.timecnt; index++, cursor += timeSize)
    transitions.push(timeSize === 8 ? Number(data.readBigInt64BE(cursor)) : data.readInt32BE(cursor));
  const transitionTypes = [...data.subarray(cursor, cursor + h.timecnt)];
  cursor += h.timecnt;
  const typeAbbreviationIndex: number[] = [];
  const typeIsDst: boolean[] = [];
  for (let index = 0; index < h.typecnt; index++, cursor += 6) {
    typeIsDst.push(data[cursor + 4] === 1);
    typeAbbreviationIndex.push(data[cursor + 5]!);
  }
  const chars = data.toString("latin1", cursor, cursor + h.charcnt);
  const abbreviations = typeAbbreviationIndex.map((index) => chars.slice(index, chars.indexOf("\0", index)));
  // RFC 8536: before the first transition, the first non-daylight type (else type 0).
  const firstStandard = typeIsDst.indexOf(false);
  const zone: Zone = {
    transitions,
    transitionTypes,
    abbreviations,
    defaultType: firstStandard === -1 ? 0 : firstStandard,
  };
  if (timeSize === 8) {
    const footerStart = at + 44 + blockLength(h, 8);
    const footer = data.toString("latin1", footerStart).split("\n")[1];
    if (footer) zone.footer = parsePosixTz(footer);
  }
  return zone;
}

/** The names and standard offset of a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3` or `<-03>3`. */
function parsePosixTz(text: string): Zone["footer"] {
  const name = /^(?:<([^>]+)>|([A-Za-z]+))/;
  const standard = name.exec(text);
  if (!standard) return undefined;
  let rest = text.slice(standard[0].length);
  const offset = /^([+-]?)(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?/.exec(rest);
  if (!offset) return undefined;
  rest = rest.slice(offset[0].length);
  // POSIX offsets are west of Greenwich: "-1" is one hour east.
  const west =
    (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 3600 + Number(offset[3] ?? 0) * 60 + Number(offset[4] ?? 0));
  const daylight = name.exec(rest);
  return {
    standardName: standard[1] ?? standard[2]!,
    standardOffset: -west,
    daylightName: daylight ? (daylight[1] ?? daylight[2]) : undefined,
  };
}
