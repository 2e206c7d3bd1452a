/** The name jupyter-server-proxy serves the scheduler under: `<base_url>kitelab/`. */
export const PROXY_NAME = "kitelab";

/** Every URL the extension requests or opens, derived from the Jupyter server's base URL. */
export interface IKitelabUrls {
  /** `<base_url>kitelab/`: the status page (redirects to `success` or `failure`); starts the scheduler. */
  readonly status: string;
  /** `<base_url>kitelab/dags`: the scheduler's DAG list page. */
  readonly dagsPage: string;
  /** `<base_url>kitelab/health` */
  readonly health: string;
  /** `<base_url>api/kitelab/scheduler`: whether the process runs, answered without starting it. */
  readonly schedulerProcess: string;
  /** `<base_url>kitelab/api/v1/<path>` */
  api(path: string): string;
}

/**
 * @param baseUrl the Jupyter server's base URL, as `PageConfig.getBaseUrl()` gives it
 * @example kitelabUrls('http://localhost:8888/user/ada/').health
 *   // 'http://localhost:8888/user/ada/kitelab/health'
 */
export function kitelabUrls(baseUrl: string): IKitelabUrls {
  if (typeof baseUrl !== "string" || baseUrl.length === 0) {
    throw new TypeError(
      `Expected \`baseUrl\` to be a non-empty string such as "http://localhost:8888/", got ${JSON.stringify(baseUrl)}`,
    );
  }
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const proxied = `${base}${PROXY_NAME}/`;
  return {
    status: proxied,
    dagsPage: `${proxied}dags`,
    health: `${proxied}health`,
    schedulerProcess: `${base}api/kitelab/scheduler`,
    api: (path: string) => `${proxied}api/v1/${path.replace(/^\/+/, "")}`,
  };
}
