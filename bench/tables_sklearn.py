"""The scikit-learn side of bench/tables-vs-sklearn.ts: a careful pipeline on the same splits.

  /usr/bin/python3 bench/tables_sklearn.py dump DIR     writes scikit-learn's bundled wine, breast_cancer
                                                        and diabetes tables as CSV into DIR and prints
                                                        their descriptions (JSON) on stdout
  /usr/bin/python3 bench/tables_sklearn.py run MANIFEST reads the tables and splits MANIFEST names (JSON:
                                                        [{name, task, target, types, splits: [{train, test}]}])
                                                        and prints per table and split the test figures of
                                                        HistGradientBoosting and an MLP (JSON on stdout)

The pipeline (one ColumnTransformer for both models):
  numbers     median imputation with a "was missing" indicator, standard scaling
  categories  "(missing)" for an empty cell, one-hot (levels past the 30 most common go to one
              infrequent column; levels unseen in training are ignored)
  dates       year, month, day of week, day of year, then as numbers
Models: HistGradientBoostingClassifier/Regressor (defaults, early stopping on its own
validation part past 10,000 rows), MLPClassifier/MLPRegressor (100 hidden units, Adam, L2
1e-4; from 1,000 training rows early stopping on 10 % and up to 500 epochs, below that up to
1,000 epochs without; the regressor learns the standardised target). Classification is scored by
accuracy, regression by R^2, MAE and RMSE, all on the held-out test file.
"""

import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import FunctionTransformer, Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MISSING = ["", "NA", "N/A", "na", "n/a", "null", "?", "NaN", "nan", "-", "None", "#N/A"]


def dump(folder):
    """Writes the bundled tables as CSV (header row, target last) and prints their descriptions."""
    os.makedirs(folder, exist_ok=True)
    tables = []
    for name, loader, task, target in [
        ("wine", load_wine, "category", "cultivar"),
        ("breast-cancer", load_breast_cancer, "category", "diagnosis"),
        ("diabetes", lambda **k: load_diabetes(scaled=False, **k), "number", "progression"),
    ]:
        bunch = loader(as_frame=True)
        frame = bunch.data.copy()
        if task == "category":
            frame[target] = [str(bunch.target_names[t]) for t in bunch.target]
        else:
            frame[target] = bunch.target
        path = os.path.join(folder, name + ".csv")
        frame.to_csv(path, index=False)
        tables.append({"name": name, "task": task, "target": target, "file": path, "types": {c: "number" for c in bunch.data.columns}})
    json.dump(tables, sys.stdout)


def date_parts(frame):
    out = {}
    for c in frame.columns:
        d = pd.to_datetime(frame[c], errors="coerce")
        out[c + " year"] = d.dt.year
        out[c + " month"] = d.dt.month
        out[c + " dayofweek"] = d.dt.dayofweek
        out[c + " dayofyear"] = d.dt.dayofyear
    return pd.DataFrame(out, index=frame.index).astype(float)


def preprocessor(types):
    numbers = [c for c, t in types.items() if t == "number"]
    categories = [c for c, t in types.items() if t == "category"]
    dates = [c for c, t in types.items() if t == "date"]
    parts = []
    if numbers:
        parts.append(("numbers", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler())]), numbers))
    if categories:
        parts.append(
            (
                "categories",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=30, sparse_output=False)),
                    ]
                ),
                categories,
            )
        )
    if dates:
        parts.append(
            (
                "dates",
                Pipeline(
                    [
                        ("parts", FunctionTransformer(date_parts)),
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                dates,
            )
        )
    return ColumnTransformer(parts)


def read(path, types, target):
    dtypes = {c: str for c, t in types.items() if t != "number"}
    dtypes[target] = str
    frame = pd.read_csv(path, dtype=dtypes, na_values=MISSING, keep_default_na=False)
    for c, t in types.items():
        if t == "category":
            frame[c] = frame[c].astype(object).where(frame[c].notna(), np.nan)
    return frame


def models(task, seed, rows):
    # early stopping sets 10 % aside: on a few hundred rows that is too few to judge by, so
    # small tables train to convergence (up to 1000 epochs) with the L2 penalty as the brake
    mlp = dict(hidden_layer_sizes=(100,), early_stopping=rows >= 1000, max_iter=500 if rows >= 1000 else 1000, random_state=seed)
    if task == "category":
        return {"hgb": HistGradientBoostingClassifier(random_state=seed), "mlp": MLPClassifier(**mlp)}
    return {
        "hgb": HistGradientBoostingRegressor(random_state=seed),
        "mlp": TransformedTargetRegressor(regressor=MLPRegressor(**mlp), transformer=StandardScaler()),
    }


def scores(task, truth, guess):
    if task == "category":
        return {"accuracy": float(accuracy_score(truth, guess))}
    return {
        "r2": float(r2_score(truth, guess)),
        "mae": float(mean_absolute_error(truth, guess)),
        "rmse": float(np.sqrt(mean_squared_error(truth, guess))),
    }


def run(manifest):
    with open(manifest) as f:
        tables = json.load(f)
    results = {}
    for t in tables:
        per = {"hgb": [], "mlp": []}
        for k, split in enumerate(t["splits"]):
            train = read(split["train"], t["types"], t["target"])
            test = read(split["test"], t["types"], t["target"])
            columns = list(t["types"].keys())
            y_train, y_test = train[t["target"]], test[t["target"]]
            if t["task"] == "number":
                y_train, y_test = y_train.astype(float), y_test.astype(float)
            for name, model in models(t["task"], k, len(train)).items():
                pipe = Pipeline([("prep", preprocessor(t["types"])), ("model", model)])
                pipe.fit(train[columns], y_train)
                per[name].append(scores(t["task"], y_test, pipe.predict(test[columns])))
            print(f"{t['name']} split {k + 1}: hgb {per['hgb'][-1]}  mlp {per['mlp'][-1]}", file=sys.stderr)
        results[t["name"]] = per
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("dump", "run"):
        sys.exit(__doc__)
    dump(sys.argv[2]) if sys.argv[1] == "dump" else run(sys.argv[2])
