import { TaskError } from "../errors.js";
import { BaseOperator, type BaseOperatorOptions } from "../dag/baseOperator.js";
import type { TaskContext } from "../dag/context.js";

export interface EmailOperatorOptions extends BaseOperatorOptions {
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  /** A handlebars template: `"Pipeline {{ dag_id }} finished for {{ ds }}"`. */
  subject: string;
  /** An HTML handlebars template. */
  htmlContent: string;
  /** Paths of files to attach (templates), such as a report the DAG wrote. */
  files?: string[];
}

/** Sends an email (Airflow's EmailOperator); without an SMTP server it lands in the outbox. */
export class EmailOperator extends BaseOperator {
  readonly operatorName = "EmailOperator";
  override readonly templateFields = ["subject", "htmlContent", "files", "to", "cc", "bcc"] as const;
  override readonly htmlTemplateFields = ["htmlContent"] as const;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly subject: string;
  readonly htmlContent: string;
  readonly files: string[];

  constructor(options: EmailOperatorOptions) {
    const { to, cc, bcc, subject, htmlContent, files, ...rest } = options;
    super(rest);
    this.to = addressList(to);
    if (this.to.length === 0)
      throw new TaskError(`EmailOperator '${rest.taskId}' needs at least one address in \`to\``);
    this.cc = addressList(cc);
    this.bcc = addressList(bcc);
    this.subject = subject ?? "";
    this.htmlContent = htmlContent ?? "";
    this.files = [...(files ?? [])];
  }

  async execute(context: TaskContext): Promise<{ delivered: boolean; detail: string }> {
    const result = await context.services.sendEmail({
      to: this.to,
      cc: this.cc,
      bcc: this.bcc,
      subject: this.subject,
      html: this.htmlContent,
      attachments: this.files.map((path) => ({ filename: path.split("/").pop() ?? path, path })),
    });
    context.log.info(result.detail);
    return result;
  }
}

function addressList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? value.split(/[,;]/) : value;
  return list.map((address) => address.trim()).filter((address) => address !== "");
}
