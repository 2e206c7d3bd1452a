import type { ConnectionRecord } from "../records.js";
import { secretsMasker } from "../util/secrets.js";
import type { TemplateContext } from "./context.js";
import { renderTemplate, type RenderOptions } from "./render.js";

export {
  buildTemplateContext,
  isoWithOffset,
  TemplateDate,
  type TemplateContext,
  type TemplateContextInput,
} from "./context.js";
export { renderTemplate, renderTemplateFields, type RenderOptions } from "./render.js";
export { dsAdd, dsFormat, dateFormat } from "./macros.js";
export { rewriteMacroCalls, rewriteXComPulls } from "./jinja.js";

/**
 * Renders for showing to people: the values of sensitive Variables and every connection
 * password are replaced by `***`. Tasks get `renderTemplate`'s real values.
 */
export function renderForDisplay(
  template: string,
  context: TemplateContext,
  options: RenderOptions & { variables?: Record<string, string>; connections?: Record<string, ConnectionRecord> },
): string {
  return secretsMasker(options.variables ?? {}, options.connections ?? {})(renderTemplate(template, context, options));
}
