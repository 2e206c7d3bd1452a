import { Token } from "@lumino/coreutils";
import type { KitelabClient } from "./client.js";
import type { KitelabModel } from "./kitelabModel.js";

/** What the Kitelab plugins share: the API client and the polling model. */
export interface IKitelab {
  readonly client: KitelabClient;
  readonly model: KitelabModel;
}

export const IKitelab = new Token<IKitelab>(
  "kitelab-jupyterlab:IKitelab",
  "The Kitelab scheduler client and status model",
);
