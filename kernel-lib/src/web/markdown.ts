import MarkdownIt from "markdown-it";

/**
 * Renders a DAG's `doc` (Markdown) for its page with markdown-it: CommonMark with raw HTML
 * off, so no tag or attribute of the author's reaches the page; images off (a page loads
 * nothing a DAG file names); links only to http(s), opened in a new tab without a referrer.
 * A link to anything else (javascript:, data:) stays as the text that was written.
 */
const markdown = new MarkdownIt("commonmark", { html: false, linkify: false, typographer: false }).disable([
  "image",
  "html_block",
  "html_inline",
]);

markdown.validateLink = (url) => /^https?:\/\//i.test(url.trim());

markdown.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  const token = tokens[index]!;
  token.attrSet("rel", "noopener noreferrer nofollow");
  token.attrSet("target", "_blank");
  return self.renderToken(tokens, index, options);
};

/** The HTML of a DAG's Markdown `doc`. */
export function renderMarkdown(text: string): string {
  return markdown.render(text).trim();
}
