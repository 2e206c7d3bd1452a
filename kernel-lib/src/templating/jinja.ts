/**
 * What students copy from Airflow is Jinja. One call shape is translated,
 * `{{ macros.ds_add(ds, 7) }}`; everything else that only Jinja understands is refused
 * with the handlebars way of writing it, when there is one.
 */

/** A template problem without its location; the renderer adds where the template comes from. */
export class TemplateProblem extends Error {
  override name = "TemplateProblem";
}

const MUSTACHE = /\{\{([\s\S]*?)\}\}/g;

/**
 * Rewrites Airflow's macro calls into handlebars helper calls, inside `{{ }}` only:
 * `{{ macros.ds_add(ds, 7) }}` becomes `{{ ds_add ds 7 }}`, and a nested call becomes a
 * subexpression: `macros.ds_add(macros.ds_format(ds, "%Y-%m-%d", "%Y-%m-%d"), 1)` becomes
 * `ds_add (ds_format ds "%Y-%m-%d" "%Y-%m-%d") 1`. Calls of macros not in `knownMacros`
 * (when given), and anything else, are left as written.
 * @example rewriteMacroCalls("echo {{ macros.ds_add(ds, 7) }}") // "echo {{ ds_add ds 7 }}"
 */
export function rewriteMacroCalls(template: string, knownMacros?: readonly string[]): string {
  if (!template.includes("macros.")) return template;
  return template.replace(MUSTACHE, (whole, body: string) => {
    const match = /^(\s*)(macros\.[\s\S]*?)(\s*)$/.exec(body);
    if (!match) return whole;
    const call = parseCall(tokenize(match[2]!), knownMacros);
    return call === undefined ? whole : `{{${match[1]}${call}${match[3]}}}`;
  });
}

/** Airflow's own Jinja filters, which format a context date: `{{ data_interval_start | ds }}`. */
export const AIRFLOW_FILTERS = ["ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz"] as const;

/** The helper a filter becomes (`filter_ds`): a helper named `ds` would hide the context's `ds`. */
export const filterHelperName = (filter: string) => `filter_${filter}`;

const FILTERED_NAME = new RegExp(`^(\\s*)([A-Za-z_][\\w.]*)\\s*\\|\\s*(${AIRFLOW_FILTERS.join("|")})(\\s*)$`);

/**
 * Rewrites Airflow's date filters on one name into helper calls, inside `{{ }}` only:
 * `{{ data_interval_start | ds }}` becomes `{{ filter_ds data_interval_start }}`. Other
 * filters are left for rejectJinjaSyntax to explain.
 * @example rewriteAirflowFilters("{{ data_interval_end | ts_nodash }}") // "{{ filter_ts_nodash data_interval_end }}"
 */
export function rewriteAirflowFilters(template: string): string {
  if (!template.includes("|")) return template;
  return template.replace(MUSTACHE, (whole, body: string) => {
    const match = FILTERED_NAME.exec(body);
    return match ? `{{${match[1]}${filterHelperName(match[3]!)} ${match[2]}${match[4]}}}` : whole;
  });
}

const XCOM_PULL = /^\s*(?:ti|task_instance)\.xcom_pull\(([\s\S]*)\)\s*$/;

/**
 * Rewrites Airflow's XCom pulls into the `xcom_pull` helper, inside `{{ }}` only:
 * `{{ ti.xcom_pull(task_ids='extract') }}` and `{{ ti.xcom_pull('extract', key='rows') }}`
 * become `{{ xcom_pull "extract" }}` and `{{ xcom_pull "extract" "rows" }}`. Other shapes
 * (a list of task ids, other arguments) are left for rejectJinjaSyntax to explain.
 * @example rewriteXComPulls("echo {{ ti.xcom_pull(task_ids='extract') }}") // 'echo {{ xcom_pull "extract" }}'
 */
export function rewriteXComPulls(template: string): string {
  if (!template.includes("xcom_pull(")) return template;
  return template.replace(MUSTACHE, (whole, body: string) => {
    const call = XCOM_PULL.exec(body);
    if (!call) return whole;
    const named: Record<string, string> = {};
    const positional: string[] = [];
    for (const part of splitTopLevel(call[1]!)
      .map((text) => text.trim())
      .filter((text) => text !== "")) {
      const argument = /^(?:(\w+)\s*=\s*)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/.exec(part);
      if (!argument) return whole;
      if (argument[1] === undefined) positional.push(handlebarsLiteral(argument[2]!));
      else named[argument[1]] = handlebarsLiteral(argument[2]!);
    }
    const taskId = named.task_ids ?? positional[0];
    const key = named.key ?? positional[1];
    const known = Object.keys(named).every((name) => name === "task_ids" || name === "key");
    if (taskId === undefined || !known || positional.length > 2) return whole;
    return `{{ xcom_pull ${taskId}${key === undefined ? "" : ` ${key}`} }}`;
  });
}

type Token = { kind: "name" | "literal" | "punct"; text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_@][\w.@]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)|([(),]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return undefined;
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "name", text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: "literal", text: handlebarsLiteral(match[2]) });
    else tokens.push({ kind: "punct", text: match[3]! });
  }
  return tokens;
}

function handlebarsLiteral(text: string): string {
  if (!text.startsWith("'")) return text;
  const inner = text.slice(1, -1).replace(/\\'/g, "'");
  return JSON.stringify(inner);
}

/** The whole token list as one macro call, in helper syntax; undefined when it is not one. */
function parseCall(tokens: Token[] | undefined, knownMacros: readonly string[] | undefined): string | undefined {
  if (!tokens) return undefined;
  let position = 0;
  const expression = (nested: boolean): string | undefined => {
    const token = tokens[position];
    if (!token) return undefined;
    position += 1;
    if (token.kind === "literal") return token.text;
    if (token.kind !== "name") return undefined;
    if (tokens[position]?.text !== "(") return token.text;
    if (!token.text.startsWith("macros.") || token.text.split(".").length !== 2) return undefined;
    if (knownMacros && !knownMacros.includes(token.text.slice("macros.".length))) return undefined;
    position += 1;
    const args: string[] = [];
    while (tokens[position]?.text !== ")") {
      const arg = expression(true);
      if (arg === undefined) return undefined;
      args.push(arg);
      if (tokens[position]?.text === ",") position += 1;
      else if (tokens[position]?.text !== ")") return undefined;
    }
    position += 1;
    const call = [token.text.slice("macros.".length), ...args].join(" ");
    return nested ? `(${call})` : call;
  };
  const first = tokens[0];
  if (first?.kind !== "name" || tokens[1]?.text !== "(") return undefined;
  const call = expression(false);
  return call !== undefined && position === tokens.length ? call : undefined;
}

/**
 * Throws a TemplateProblem when the template uses syntax only Jinja has, showing the
 * handlebars equivalent when there is an obvious one.
 */
export function rejectJinjaSyntax(template: string, helperNames: readonly string[]): void {
  const statement = /\{%([-+]?)([\s\S]*?)[-+]?%\}/.exec(template);
  if (statement) throw new TemplateProblem(jinjaStatementMessage(statement[0], statement[2]!.trim()));
  const comment = /\{#([\s\S]*?)#\}/.exec(template);
  if (comment) {
    throw new TemplateProblem(
      `"${comment[0]}" is a Jinja comment; Kitelab templates use handlebars: write {{!-- ${comment[1]!.trim()} --}}`,
    );
  }
  for (const match of template.matchAll(MUSTACHE)) {
    const problem = jinjaExpressionProblem(match[0], match[1]!, helperNames);
    if (problem) throw new TemplateProblem(problem);
  }
}

const HANDLEBARS_NOTE = "Kitelab templates use handlebars, not Jinja";

function jinjaStatementMessage(whole: string, body: string): string {
  const [keyword = "", ...rest] = body.split(/\s+/);
  const argument = rest.join(" ");
  const simple = /^[\w.]+$/.test(argument);
  const equivalents: Record<string, string | undefined> = {
    if: simple ? `{{#if ${argument}}} ... {{/if}}` : undefined,
    elif: simple ? `{{else if ${argument}}}` : undefined,
    else: "{{else}}",
    endif: "{{/if}}",
    for: forEquivalent(argument),
    endfor: "{{/each}}",
  };
  const equivalent = equivalents[keyword];
  if (equivalent) return `"${whole}" is Jinja syntax; ${HANDLEBARS_NOTE}: write ${equivalent}`;
  if (keyword === "if" || keyword === "elif") {
    return `"${whole}" is Jinja syntax; ${HANDLEBARS_NOTE}, whose {{#if name}} ... {{/if}} tests one name only: compute the condition in the task or pass it as a param`;
  }
  return `"${whole}" is Jinja syntax; ${HANDLEBARS_NOTE}, which have no "${keyword}" statement: compute the value in the task or pass it as a param ({{ params.name }})`;
}

function forEquivalent(argument: string): string | undefined {
  const loop = /^(\w+)\s+in\s+([\w.]+)$/.exec(argument);
  return loop ? `{{#each ${loop[2]} as |${loop[1]}|}} ... {{${loop[1]}}} ... {{/each}}` : undefined;
}

/** Filters whose handlebars equivalent is plain interpolation (objects render as JSON). */
const PLAIN_FILTERS = new Set(["string", "tojson", "int", "float", "trim"]);

function jinjaExpressionProblem(whole: string, body: string, helperNames: readonly string[]): string | undefined {
  if (/^[-+]|[-+]$/.test(body) && !/^-?\d/.test(body.trim())) {
    const inner = body.replace(/^[-+]/, "").replace(/[-+]$/, "");
    return `"${whole}" uses Jinja's whitespace control; ${HANDLEBARS_NOTE}: write {{~${inner}~}}`;
  }
  const code = body.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const filter = /^\s*([\w.]+)\s*\|\s*(\w+)/.exec(code);
  if (filter || /\|\s*\w+\s*(\(|$)/.test(code.replace(/\bas\s*\|[\w\s]+\|/g, ""))) {
    const name = filter?.[2] ?? /\|\s*(\w+)/.exec(code)?.[1] ?? "";
    const subject = filter?.[1];
    if (subject && PLAIN_FILTERS.has(name))
      return `"${whole}" uses the Jinja filter "| ${name}"; ${HANDLEBARS_NOTE}: write {{ ${subject} }} (objects and lists render as JSON)`;
    if (subject && name === "safe")
      return `"${whole}" uses the Jinja filter "| safe"; ${HANDLEBARS_NOTE}: write {{{ ${subject} }}} to skip HTML escaping`;
    return `"${whole}" uses the Jinja filter "| ${name}"; ${HANDLEBARS_NOTE} and have no filters: compute the value in the task, pass it as a param, or use a helper (${helperNames.join(", ")})`;
  }
  const index = /([\w.]+)\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\d+)\s*\]/.exec(body);
  if (index) {
    const key = index[2]!.replace(/^["']|["']$/g, "");
    const path =
      /^[A-Za-z_]\w*$/.test(key) || /^\d+$/.test(key)
        ? `${index[1]}.${/^\d+$/.test(key) ? `[${key}]` : key}`
        : `${index[1]}.[${key}]`;
    return `"${whole}" indexes with [...] as Jinja does; ${HANDLEBARS_NOTE}: write {{ ${path} }}`;
  }
  const strftimeCall = /^\s*([\w.]+)\.strftime\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)\s*$/.exec(body);
  if (strftimeCall) {
    return `"${whole}" calls a Python method; ${HANDLEBARS_NOTE}: write {{ date_format ${strftimeCall[1]} ${handlebarsLiteral(strftimeCall[2]!)} }}`;
  }
  const call = /([A-Za-z_][\w.]*)\(/.exec(code);
  if (call) return callMessage(whole, call[1]!, body, helperNames);
  const operator = /(==|!=|<=|>=|\s~\s|\s(?:and|or|not|in)\s|\s[+*/%]\s)/.exec(code);
  if (operator) {
    return `"${whole}" is a Jinja expression ("${operator[1]!.trim()}"); ${HANDLEBARS_NOTE}, which only insert names and call helpers: compute the value in the task or pass it as a param`;
  }
  return undefined;
}

function callMessage(whole: string, name: string, body: string, helperNames: readonly string[]): string {
  const bare = name.replace(/^macros\./, "");
  if (helperNames.includes(bare)) {
    const args = /\(([\s\S]*)\)\s*$/.exec(body)?.[1] ?? "";
    const parts = splitTopLevel(args)
      .map((part) => handlebarsLiteral(part.trim()))
      .filter((part) => part !== "");
    return `"${whole}" is Jinja's call syntax; ${HANDLEBARS_NOTE}: write {{ ${[bare, ...parts].join(" ")} }} (helper arguments follow the name, separated by spaces)`;
  }
  if (/xcom_pull$/.test(name)) {
    return `"${whole}" pulls XComs in a way Kitelab's templates do not read (one task id as a string, optionally a key): write {{ ti.xcom_pull(task_ids='extract') }} or {{ xcom_pull "extract" }}`;
  }
  if (name.startsWith("macros.")) {
    return `"${whole}" calls the macro "${bare}", which Kitelab does not have; the macros are ${helperNames.map((helper) => `macros.${helper}`).join(", ")}`;
  }
  return `"${whole}" calls "${name}(...)", which is Jinja syntax; ${HANDLEBARS_NOTE}: insert a name ({{ ds }}) or call a helper with its arguments after it ({{ ds_add ds 7 }}); the helpers are ${helperNames.join(", ")}`;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "(") depth += 1;
    else if (char === ")") depth -= 1;
    else if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}
