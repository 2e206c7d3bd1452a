import Handlebars from "handlebars";
import { TemplateError } from "../errors.js";
import { InvalidJsonVariable, XCOMS, type TemplateContext } from "./context.js";
import { FILTERS, MACROS } from "./macros.js";
import {
  filterHelperName,
  rejectJinjaSyntax,
  rewriteAirflowFilters,
  rewriteMacroCalls,
  rewriteXComPulls,
  TemplateProblem,
} from "./jinja.js";
import { editDistance } from "../util/editDistance.js";

export interface RenderOptions {
  /** Where the template comes from, for errors: `task 'report', field 'bashCommand'`. */
  where: string;
  /** Escape HTML in substitutions (for HTML email bodies). @default false */
  html?: boolean;
}

const handlebars = Handlebars.create();
for (const [name, fn] of Object.entries(MACROS)) {
  handlebars.registerHelper(name, (...args: unknown[]) => fn(...args.slice(0, -1)));
}
for (const [name, fn] of Object.entries(FILTERS)) {
  handlebars.registerHelper(filterHelperName(name), (value: unknown) => fn(value));
}
handlebars.registerHelper("xcom_pull", (...args: unknown[]) => {
  const options = args.pop() as { data?: { root?: TemplateContext } };
  return xcomValue(options.data?.root, args[0], args[1]);
});
const HELPER_NAMES = new Set([
  ...Object.keys(MACROS),
  ...Object.keys(FILTERS).map(filterHelperName),
  "xcom_pull",
  "if",
  "unless",
  "each",
  "with",
  "lookup",
  "log",
]);

/** `{{ xcom_pull "extract" }}`: an upstream task's XCom in this run; objects render as JSON. */
function xcomValue(context: TemplateContext | undefined, taskId: unknown, key: unknown = "return_value"): string {
  if (typeof taskId !== "string" || typeof key !== "string") {
    throw new TemplateError(
      `xcom_pull expects a task id and optionally a key, as in {{ xcom_pull "extract" }} or {{ xcom_pull "extract" "row_count" }}`,
    );
  }
  const xcoms = ((context as Record<symbol, unknown> | undefined)?.[XCOMS] ?? []) as ReadonlyArray<{
    taskId: string;
    key: string;
    value: unknown;
  }>;
  const found = xcoms.find((xcom) => xcom.taskId === taskId && xcom.key === key);
  if (!found) {
    const pushed = [...new Set(xcoms.map((xcom) => xcom.taskId))];
    throw new TemplateError(
      `no XCom "${key}" from task '${taskId}' in this run: is '${taskId}' upstream of this task, and did it return (or push) a value?${pushed.length > 0 ? ` XComs come from: ${pushed.join(", ")}` : ""}`,
    );
  }
  return typeof found.value === "string" ? found.value : JSON.stringify(found.value);
}

type Compiled = (context: TemplateContext) => string;
const cache = new Map<string, Compiled>();

/**
 * Renders a handlebars template with Airflow's context names. An unknown name is a
 * TemplateError naming the template and the name (with a suggestion), never "".
 * @example renderTemplate("echo {{ ds }}", context, { where: "task 'print'" })
 */
export function renderTemplate(template: string, context: TemplateContext, options: RenderOptions): string {
  if (!template.includes("{{")) {
    rejectJinja(template, options.where);
    return template;
  }
  const source = rewriteAirflowFilters(rewriteXComPulls(rewriteMacroCalls(template, Object.keys(MACROS))));
  rejectJinja(source, options.where);
  const key = `${options.html ? "h" : "t"}\u0000${source}`;
  let compiled = cache.get(key);
  if (!compiled) {
    let ast: hbs.AST.Program;
    try {
      ast = handlebars.parse(source);
    } catch (error) {
      throw new TemplateError(
        `${options.where}: the template does not parse: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    const render = handlebars.compile(ast, {
      noEscape: !options.html,
      strict: true,
      knownHelpers: Object.fromEntries([...HELPER_NAMES].map((name) => [name, true])),
    });
    const paths = topLevelPaths(ast);
    compiled = (ctx) => {
      for (const path of paths) checkPath(path, ctx, options.where);
      try {
        return render(ctx);
      } catch (error) {
        if (error instanceof TemplateError)
          throw error.message.startsWith(`${options.where}:`)
            ? error
            : new TemplateError(`${options.where}: ${error.message}`);
        const message = (error as Error).message;
        const missing = /^"([^"]+)" not defined/.exec(message);
        if (missing) throw new TemplateError(`${options.where}: unknown name "${missing[1]}" in the template`);
        throw new TemplateError(`${options.where}: ${message.split("\n")[0]}`);
      }
    };
    cache.set(key, compiled);
  }
  return compiled(context);
}

/** The dotted paths the template reads outside blocks (block bodies are checked by strict mode). */
function topLevelPaths(program: hbs.AST.Program): string[][] {
  const paths: string[][] = [];
  const visitExpression = (node: hbs.AST.Expression | undefined) => {
    if (!node) return;
    if (node.type === "PathExpression") {
      const path = node as hbs.AST.PathExpression;
      if (path.data || path.original === "this" || path.parts.length === 0) return;
      paths.push(path.parts);
    } else if (node.type === "SubExpression") {
      const sub = node as hbs.AST.SubExpression;
      sub.params.forEach(visitExpression);
    }
  };
  for (const statement of program.body) {
    if (statement.type === "MustacheStatement") {
      const mustache = statement as hbs.AST.MustacheStatement;
      const head = mustache.path as hbs.AST.PathExpression;
      if (mustache.params.length > 0 || (head.type === "PathExpression" && HELPER_NAMES.has(head.original))) {
        mustache.params.forEach(visitExpression);
      } else {
        visitExpression(mustache.path);
      }
    } else if (statement.type === "BlockStatement") {
      (statement as hbs.AST.BlockStatement).params.forEach(visitExpression);
    }
  }
  return paths;
}

function checkPath(parts: string[], context: TemplateContext, where: string): void {
  let value: unknown = context;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    const holder = value as Record<string, unknown> | null | undefined;
    if (holder === null || holder === undefined || typeof holder !== "object" || !(part in holder)) {
      const name = parts.slice(0, index + 1).join(".");
      const known = holder && typeof holder === "object" ? Object.keys(holder) : [];
      throw new TemplateError(
        `${where}: unknown name "${name}" in the template${suggestion(part, known, parts.slice(0, index).join("."))}`,
      );
    }
    value = holder[part];
    if (value instanceof InvalidJsonVariable) throw new TemplateError(`${where}: ${value.problem}`);
  }
}

function suggestion(name: string, known: string[], prefix: string): string {
  const qualify = (key: string) => (prefix ? `${prefix}.${key}` : key);
  const close = known.filter((key) => editDistance(key, name) <= Math.max(1, Math.ceil(name.length / 3)));
  if (close.length > 0) return `; did you mean "${qualify(close[0]!)}"?`;
  if (prefix === "var.value" || prefix === "var.json")
    return `; there is no Variable "${name}" (set it with: kitelab variables set ${name} VALUE)`;
  if (prefix === "conn")
    return `; there is no Connection "${name}" (add it with: kitelab connections add ${name} --conn-type ...)`;
  if (prefix === "params")
    return known.length > 0
      ? `; the params are ${known.map((key) => `"${key}"`).join(", ")}`
      : "; the DAG defines no params";
  return "";
}

/** Jinja-only syntax gets an error that shows the handlebars way. */
function rejectJinja(template: string, where: string): void {
  try {
    rejectJinjaSyntax(template, Object.keys(MACROS));
  } catch (error) {
    if (error instanceof TemplateProblem) throw new TemplateError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Renders every string inside `value` (arrays and plain objects too), without touching the input. */
export function renderTemplateFields<T>(value: T, context: TemplateContext, where: string, html = false): T {
  if (typeof value === "string") return renderTemplate(value, context, { where, html }) as T;
  if (Array.isArray(value))
    return value.map((item, index) => renderTemplateFields(item, context, `${where}[${index}]`, html)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderTemplateFields(item, context, `${where}.${key}`, html)]),
    ) as T;
  }
  return value;
}
