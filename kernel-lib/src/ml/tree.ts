import { ValidationError, describeValue } from "../errors.js";
import { checkMatrix, checkModelJson, checkPositiveInteger, checkSameLength, type Matrix } from "./checks.js";
import { createRandom, type SeededRandom } from "./random.js";

/** A node of a fitted tree, as saved to JSON. A leaf holds the mean (regression) or class shares. */
export type TreeNode = { value: number[] } | { feature: number; threshold: number; left: TreeNode; right: TreeNode };

export interface DecisionTreeOptions {
  /** @default 8 */
  maxDepth?: number;
  /** A node with fewer rows is not split. @default 2 */
  minSamplesSplit?: number;
  /** Each side of a split keeps at least this many rows. @default 1 */
  minSamplesLeaf?: number;
  /** Features tried at each split (a random subset, as random forests do). @default all */
  maxFeatures?: number;
  /** Seed for the feature subsets. @default 42 */
  seed?: number;
}

type Target =
  | { kind: "regression"; y: readonly number[] }
  | { kind: "classification"; y: readonly number[]; classCount: number };

interface GrowSettings {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures?: number;
  random: SeededRandom;
}

function settingsFrom(options: DecisionTreeOptions, random?: SeededRandom): GrowSettings {
  const minSamplesLeaf = checkPositiveInteger(options.minSamplesLeaf ?? 1, "minSamplesLeaf");
  return {
    maxDepth: checkPositiveInteger(options.maxDepth ?? 8, "maxDepth"),
    minSamplesSplit: checkPositiveInteger(options.minSamplesSplit ?? 2, "minSamplesSplit"),
    minSamplesLeaf,
    maxFeatures:
      options.maxFeatures === undefined ? undefined : checkPositiveInteger(options.maxFeatures, "maxFeatures"),
    random: random ?? createRandom(options.seed ?? 42),
  };
}

/** Grows a CART tree over the rows `indices` of X: variance reduction or Gini impurity. */
export function growTree(
  X: Matrix,
  target: Target,
  indices: readonly number[],
  options: DecisionTreeOptions,
  random?: SeededRandom,
): TreeNode {
  const settings = settingsFrom(options, random);
  const width = X[0]!.length;
  const grow = (rows: readonly number[], depth: number): TreeNode => {
    const leaf = { value: leafValue(target, rows) };
    if (
      depth >= settings.maxDepth ||
      rows.length < settings.minSamplesSplit ||
      rows.length < 2 * settings.minSamplesLeaf
    )
      return leaf;
    const features =
      settings.maxFeatures && settings.maxFeatures < width
        ? settings.random.shuffle([...Array(width).keys()]).slice(0, settings.maxFeatures)
        : [...Array(width).keys()];
    const best = bestSplit(X, target, rows, features, settings.minSamplesLeaf);
    if (!best) return leaf;
    const left = rows.filter((row) => X[row]![best.feature]! <= best.threshold);
    const right = rows.filter((row) => X[row]![best.feature]! > best.threshold);
    return {
      feature: best.feature,
      threshold: best.threshold,
      left: grow(left, depth + 1),
      right: grow(right, depth + 1),
    };
  };
  return grow(indices, 0);
}

function leafValue(target: Target, rows: readonly number[]): number[] {
  if (target.kind === "regression") return [rows.reduce((sum, row) => sum + target.y[row]!, 0) / rows.length];
  const counts = new Array<number>(target.classCount).fill(0);
  for (const row of rows) counts[target.y[row]!]! += 1;
  return counts.map((count) => count / rows.length);
}

/**
 * The split with the lowest weighted impurity. Like scikit-learn, a split that does not
 * lower it is still taken (an XOR pattern needs one); a pure node is never split.
 */
function bestSplit(X: Matrix, target: Target, rows: readonly number[], features: number[], minLeaf: number) {
  let best: { feature: number; threshold: number; score: number } | undefined;
  const parentScore = impurity(target, rows);
  if (parentScore <= 1e-12) return undefined;
  for (const feature of features) {
    const sorted = [...rows].sort((a, b) => X[a]![feature]! - X[b]![feature]!);
    const left = accumulator(target);
    const right = accumulator(target);
    for (const row of sorted) right.add(row);
    for (let i = 0; i < sorted.length - 1; i += 1) {
      left.add(sorted[i]!);
      right.remove(sorted[i]!);
      const here = X[sorted[i]!]![feature]!;
      const next = X[sorted[i + 1]!]![feature]!;
      if (here === next || i + 1 < minLeaf || sorted.length - i - 1 < minLeaf) continue;
      const score = left.weightedImpurity() + right.weightedImpurity();
      if (score <= parentScore + 1e-9 && (!best || score < best.score))
        best = { feature, threshold: (here + next) / 2, score };
    }
  }
  return best;
}

function impurity(target: Target, rows: readonly number[]): number {
  const acc = accumulator(target);
  for (const row of rows) acc.add(row);
  return acc.weightedImpurity();
}

/** Running sums for one side of a split: sum of squares (regression) or class counts (Gini). */
function accumulator(target: Target) {
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  const counts = target.kind === "classification" ? new Array<number>(target.classCount).fill(0) : [];
  return {
    add(row: number) {
      n += 1;
      const v = target.y[row]!;
      if (target.kind === "regression") {
        sum += v;
        sumSquares += v * v;
      } else counts[v]! += 1;
    },
    remove(row: number) {
      n -= 1;
      const v = target.y[row]!;
      if (target.kind === "regression") {
        sum -= v;
        sumSquares -= v * v;
      } else counts[v]! -= 1;
    },
    /** n × impurity: total squared error, or n × Gini. */
    weightedImpurity(): number {
      if (n === 0) return 0;
      if (target.kind === "regression") return sumSquares - (sum * sum) / n;
      return n * (1 - counts.reduce((acc, count) => acc + (count / n) ** 2, 0));
    },
  };
}

export function predictNode(node: TreeNode, row: readonly number[]): number[] {
  let current = node;
  while (!("value" in current)) current = row[current.feature]! <= current.threshold ? current.left : current.right;
  return current.value;
}

export function treeDepth(node: TreeNode): number {
  return "value" in node ? 0 : 1 + Math.max(treeDepth(node.left), treeDepth(node.right));
}

export interface DecisionTreeRegressorJson {
  kind: "DecisionTreeRegressor";
  root: TreeNode;
}

/**
 * A regression tree (CART, variance reduction).
 * @example const tree = new DecisionTreeRegressor({ maxDepth: 4 }).fit(X, y);
 */
export class DecisionTreeRegressor {
  readonly options: DecisionTreeOptions;
  private root?: TreeNode;

  constructor(options: DecisionTreeOptions = {}) {
    settingsFrom(options);
    this.options = { ...options };
  }

  fit(X: Matrix, y: readonly number[]): this {
    checkMatrix(X);
    checkSameLength(X, y);
    checkNumbers(y);
    this.root = growTree(X, { kind: "regression", y }, [...X.keys()], this.options);
    return this;
  }

  predict(X: Matrix): number[] {
    const root = fittedRoot(this.root, "DecisionTreeRegressor");
    checkMatrix(X);
    return X.map((row) => predictNode(root, row)[0]!);
  }

  get depth(): number {
    return treeDepth(fittedRoot(this.root, "DecisionTreeRegressor"));
  }

  toJSON(): DecisionTreeRegressorJson {
    return { kind: "DecisionTreeRegressor", root: fittedRoot(this.root, "DecisionTreeRegressor") };
  }

  static fromJSON(json: unknown): DecisionTreeRegressor {
    const data = checkModelJson(json, "DecisionTreeRegressor") as unknown as DecisionTreeRegressorJson;
    const tree = new DecisionTreeRegressor();
    tree.root = data.root;
    return tree;
  }
}

export interface DecisionTreeClassifierJson {
  kind: "DecisionTreeClassifier";
  classes: string[];
  root: TreeNode;
}

/**
 * A classification tree (CART, Gini impurity) for string labels.
 * @example const tree = new DecisionTreeClassifier({ maxDepth: 5 }).fit(X, species);
 */
export class DecisionTreeClassifier {
  readonly options: DecisionTreeOptions;
  private state?: { classes: string[]; root: TreeNode };

  constructor(options: DecisionTreeOptions = {}) {
    settingsFrom(options);
    this.options = { ...options };
  }

  fit(X: Matrix, y: readonly string[]): this {
    checkMatrix(X);
    checkSameLength(X, y);
    const classes = [...new Set(y.map(String))].sort();
    const encoded = y.map((label) => classes.indexOf(String(label)));
    this.state = {
      classes,
      root: growTree(
        X,
        { kind: "classification", y: encoded, classCount: classes.length },
        [...X.keys()],
        this.options,
      ),
    };
    return this;
  }

  get classes(): string[] {
    return [...this.fitted().classes];
  }

  predictProba(X: Matrix): number[][] {
    const { root } = this.fitted();
    checkMatrix(X);
    return X.map((row) => [...predictNode(root, row)]);
  }

  predict(X: Matrix): string[] {
    const { classes } = this.fitted();
    return this.predictProba(X).map((p) => classes[p.indexOf(Math.max(...p))]!);
  }

  toJSON(): DecisionTreeClassifierJson {
    const { classes, root } = this.fitted();
    return { kind: "DecisionTreeClassifier", classes: [...classes], root };
  }

  static fromJSON(json: unknown): DecisionTreeClassifier {
    const data = checkModelJson(json, "DecisionTreeClassifier") as unknown as DecisionTreeClassifierJson;
    const tree = new DecisionTreeClassifier();
    tree.state = { classes: [...data.classes], root: data.root };
    return tree;
  }

  private fitted() {
    if (!this.state) throw new ValidationError("This DecisionTreeClassifier is not trained yet; call fit(X, y) first");
    return this.state;
  }
}

function fittedRoot(root: TreeNode | undefined, name: string): TreeNode {
  if (!root) throw new ValidationError(`This ${name} is not trained yet; call fit(X, y) first`);
  return root;
}

export function checkNumbers(y: readonly unknown[], name = "y"): void {
  y.forEach((value, index) => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ValidationError(`Expected \`${name}[${index}]\` to be a finite number, got ${describeValue(value)}`);
    }
  });
}
