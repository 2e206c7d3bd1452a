/**
 * The two classifiers lab 4 trains, from ml.js as the course's source trains them with
 * scikit-learn: a one-vs-rest logistic regression (ml-logistic-regression) and a CART
 * decision tree (ml-cart). Species names become class indexes for training and back for
 * answers; both give class probabilities, as scikit-learn's predict_proba does, for the
 * inference API. A saved model is JSON (the libraries' own toJSON), not a pickle.
 */
import { DecisionTreeClassifier } from "ml-cart";
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";

export type ModelKind = "LogisticRegression" | "DecisionTreeClassifier";

/** A trained model as saved: its kind, the species in class-index order, the library's JSON. */
export interface TrainedClassifier {
  kind: ModelKind;
  library: "ml-logistic-regression" | "ml-cart";
  classes: string[];
  model: unknown;
}

/** What the inference API needs of a model. */
export interface Classifier {
  classes: string[];
  /** One row per input row: the probability of each class, in `classes` order, summing to 1. */
  predictProba(X: number[][]): number[][];
  predict(X: number[][]): string[];
}

/** ml-logistic-regression fits no intercept of its own: a constant first column plays that part. */
const withIntercept = (X: number[][]) => new Matrix(X.map((row) => [1, ...row]));

function classIndexes(y: readonly string[]): { classes: string[]; indexes: number[] } {
  const classes = [...new Set(y)].sort();
  return { classes, indexes: y.map((label) => classes.indexOf(label)) };
}

export function trainLogisticRegression(
  X: number[][],
  y: readonly string[],
  options: { numSteps: number; learningRate: number },
): TrainedClassifier {
  const { classes, indexes } = classIndexes(y);
  const model = new LogisticRegression(options);
  model.train(withIntercept(X), Matrix.columnVector(indexes));
  return { kind: "LogisticRegression", library: "ml-logistic-regression", classes, model: model.toJSON() };
}

export function trainDecisionTree(X: number[][], y: readonly string[], options: { maxDepth: number }): TrainedClassifier {
  const { classes, indexes } = classIndexes(y);
  const model = new DecisionTreeClassifier(options);
  model.train(X, indexes);
  return { kind: "DecisionTreeClassifier", library: "ml-cart", classes, model: model.toJSON() };
}

/** Loads a saved model; an unknown kind is an error that names it. */
export function loadClassifier(saved: TrainedClassifier): Classifier {
  const { classes } = saved;
  const proba = probabilitiesOf(saved);
  return {
    classes,
    predictProba: proba,
    predict: (X) => proba(X).map((row) => classes[row.indexOf(Math.max(...row))]!),
  };
}

function probabilitiesOf(saved: TrainedClassifier): (X: number[][]) => number[][] {
  const width = saved.classes.length;
  if (saved.kind === "LogisticRegression") {
    const model = LogisticRegression.load(saved.model as Parameters<typeof LogisticRegression.load>[0]);
    return (X) => {
      // Each one-vs-rest classifier scores "not this class" (ml-logistic-regression labels the
      // class 0 and the rest 1), so 1 - score is its probability; normalized over the
      // classes as scikit-learn's one-vs-rest predict_proba does.
      const scores = model.classifiers.map((one) => one.testScores(withIntercept(X)));
      return X.map((_, row) => normalize(scores.map((score) => 1 - score[row]!)));
    };
  }
  if (saved.kind === "DecisionTreeClassifier") {
    const model = DecisionTreeClassifier.load(saved.model as Parameters<typeof DecisionTreeClassifier.load>[0]);
    // The leaf's class shares; a leaf that saw only the first k classes lists k of them.
    return (X) =>
      X.map((row) => {
        const shares = model.root.classify(row).getRow(0);
        return Array.from({ length: width }, (_, i) => shares[i] ?? 0);
      });
  }
  throw new Error(`a saved model of unknown kind ${JSON.stringify((saved as { kind?: unknown }).kind)}`);
}

function normalize(values: number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((value) => (total > 0 ? value / total : 1 / values.length));
}
