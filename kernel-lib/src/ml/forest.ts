import { ValidationError } from "../errors.js";
import { checkMatrix, checkModelJson, checkPositiveInteger, checkSameLength, type Matrix } from "./checks.js";
import { createRandom } from "./random.js";
import { checkNumbers, growTree, predictNode, type DecisionTreeOptions, type TreeNode } from "./tree.js";

export interface RandomForestOptions extends DecisionTreeOptions {
  /** Trees in the forest. @default 50 */
  nEstimators?: number;
}

export interface RandomForestRegressorJson {
  kind: "RandomForestRegressor";
  options: RandomForestOptions;
  trees: TreeNode[];
}

/**
 * Bagged regression trees: each tree is grown on a bootstrap sample (rows drawn with
 * replacement), optionally with a random subset of `maxFeatures` features at each split
 * (all by default, as scikit-learn's regressor); the forest averages them.
 * Seeded, so the same data and seed give the same forest.
 * @example const forest = new RandomForestRegressor({ nEstimators: 100, maxDepth: 6, seed: 42 }).fit(X, y);
 */
export class RandomForestRegressor {
  readonly options: RandomForestOptions;
  private trees?: TreeNode[];

  constructor(options: RandomForestOptions = {}) {
    checkPositiveInteger(options.nEstimators ?? 50, "nEstimators");
    this.options = { ...options };
  }

  fit(X: Matrix, y: readonly number[]): this {
    const width = checkMatrix(X);
    checkSameLength(X, y);
    checkNumbers(y);
    const random = createRandom(this.options.seed ?? 42);
    const maxFeatures = this.options.maxFeatures ?? width;
    this.trees = Array.from({ length: this.options.nEstimators ?? 50 }, () => {
      const sample = Array.from({ length: X.length }, () => random.integer(0, X.length));
      return growTree(X, { kind: "regression", y }, sample, { ...this.options, maxFeatures }, random);
    });
    return this;
  }

  predict(X: Matrix): number[] {
    const trees = this.fitted();
    checkMatrix(X);
    return X.map((row) => trees.reduce((sum, tree) => sum + predictNode(tree, row)[0]!, 0) / trees.length);
  }

  get size(): number {
    return this.fitted().length;
  }

  toJSON(): RandomForestRegressorJson {
    return { kind: "RandomForestRegressor", options: { ...this.options }, trees: this.fitted() };
  }

  static fromJSON(json: unknown): RandomForestRegressor {
    const data = checkModelJson(json, "RandomForestRegressor") as unknown as RandomForestRegressorJson;
    const forest = new RandomForestRegressor(data.options);
    forest.trees = data.trees;
    return forest;
  }

  private fitted(): TreeNode[] {
    if (!this.trees) throw new ValidationError("This RandomForestRegressor is not trained yet; call fit(X, y) first");
    return this.trees;
  }
}
