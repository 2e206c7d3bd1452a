// ml-cart ships no types; this declares the part the labs use.
declare module "ml-cart" {
  import type { Matrix } from "ml-matrix";

  interface DecisionTreeClassifierModel {
    name: "DTClassifier";
    options: Record<string, unknown>;
    root: unknown;
  }

  /** CART with Gini impurity; classes are 0, 1, ... */
  export class DecisionTreeClassifier {
    constructor(options?: { maxDepth?: number; minNumSamples?: number; gainThreshold?: number });
    train(X: number[][] | Matrix, y: number[]): void;
    /** The class index of each row. */
    predict(X: number[][] | Matrix): number[];
    /**
     * The tree. `classify(row)` returns the leaf's class distribution (1 x classes seen at
     * that leaf's split): the share of each class among the training rows that reached it.
     */
    root: { classify(row: number[]): Matrix };
    toJSON(): DecisionTreeClassifierModel;
    static load(model: DecisionTreeClassifierModel): DecisionTreeClassifier;
  }
}
