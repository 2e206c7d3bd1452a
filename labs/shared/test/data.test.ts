import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ADVERTISING_FEATURES,
  generateAdvertisingData,
  generateDriftingLoans,
  generatePenguins,
  generatePetrolConsumption,
  toMatrix,
  weekIndex,
} from "../index.js";

describe("generated datasets", () => {
  it("are the same on every call (seeded) and have the promised shapes", () => {
    assert.deepEqual(generateAdvertisingData(), generateAdvertisingData());
    assert.equal(generateAdvertisingData().length, 1000);
    assert.deepEqual(Object.keys(generateAdvertisingData()[0]!), [...ADVERTISING_FEATURES, "Clicked on Ad"]);
    assert.equal(generatePetrolConsumption().length, 48);
    assert.deepEqual(Object.keys(generatePetrolConsumption()[0]!), [
      "Petrol_tax",
      "Average_income",
      "Paved_Highways",
      "Population_Driver_licence(%)",
      "Petrol_Consumption",
    ]);
  });

  it("penguins: 344 rows, three species, three islands, and a few NA values as in the original", () => {
    const penguins = generatePenguins();
    assert.equal(penguins.length, 344);
    assert.deepEqual([...new Set(penguins.map((p) => p.species))], ["Adelie", "Chinstrap", "Gentoo"]);
    assert.deepEqual([...new Set(penguins.map((p) => p.island))].sort(), ["Biscoe", "Dream", "Torgersen"]);
    assert.equal(penguins.filter((p) => p.bill_length_mm === "NA").length, 2);
    assert.equal(penguins.filter((p) => p.sex === "NA").length, 11);
  });

  it("drifting loans: a window's rows depend only on its days, and both incomes and default rates move over the weeks", () => {
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
    const week = generateDriftingLoans({ start: day("2021-01-11"), end: day("2021-01-18") });
    const twoWeeks = generateDriftingLoans({ start: day("2021-01-04"), end: day("2021-01-18") });
    assert.deepEqual(twoWeeks.slice(twoWeeks.length / 2), week, "the second half of a two-week window is that week");
    assert.ok(week.every((row) => row.date >= "2021-01-11" && row.date < "2021-01-18"));
    const mean = (rows: typeof week, pick: (row: (typeof week)[number]) => number) =>
      rows.reduce((sum, row) => sum + pick(row), 0) / rows.length;
    const late = generateDriftingLoans({ start: day("2021-03-01"), end: day("2021-03-08") });
    assert.ok(mean(late, (row) => row.income_k) > mean(week, (row) => row.income_k) * 1.1, "data drift: incomes rise");
    assert.ok(
      mean(late, (row) => row.defaulted) > mean(week, (row) => row.defaulted) + 0.1,
      "concept drift: more defaults at the same ratios",
    );
    assert.equal(weekIndex(day("2021-01-04")), 0);
    assert.equal(weekIndex(day("2021-01-17")), 1);
    assert.throws(() => generateDriftingLoans({ start: day("2021-01-08"), end: day("2021-01-04") }), /start < end/);
  });
});

describe("toMatrix", () => {
  it("names the column and row of a value that is not a number, and lists the columns for a typo", () => {
    assert.deepEqual(toMatrix([{ a: 1, b: 2 }], ["b", "a"]), [[2, 1]]);
    assert.throws(
      () => toMatrix([{ a: 1 }, { a: "NA" }], ["a"]),
      /column "a" of row 1 to be a number, got "NA" \(string\); clean or impute/,
    );
    assert.throws(() => toMatrix([{ Age: 1 }], ["age"]), /the row has columns "Age"/);
  });
});
