#!/usr/bin/python3
"""Reproduce the seed's model: a scikit-learn random forest on the raw flow columns.

Model: RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1) trained on
every column except the flow identifiers (Source_IP, Destination_IP, Source_port,
Destination_port, Timestamp) and the label columns (label, attribution). Header
names are whitespace-stripped ("max_fwd_packet " -> "max_fwd_packet") and
Protocol is mapped tcp->0, udp->1.

Subcommands:
  cv    --data CSV --label COL --folds-file FOLDS.csv
        Cross-validation on fold ids given by FOLDS.csv (header row,r0,...,rR-1;
        one line per data row). Per repeat: accuracy and macro F1 over all
        out-of-fold predictions. Last line: accuracy=... macro_f1=... n=N
        (means over repeats).
  bench --app-train CSV --att-train CSV --in BIG.csv --out OUT.csv
        Trains both models (untimed), then times read_csv -> features ->
        predict_proba (both models) -> add app/attribution (+confidence)
        columns -> to_csv. Last line: rows=N seconds=S rows_per_s=R.

Run with Debian's /usr/bin/python3 (python3-sklearn, python3-pandas).
"""
import argparse
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

EXCLUDED = {"Source_IP", "Destination_IP", "Source_port", "Destination_port", "Timestamp"}
LABELS = {"label", "attribution"}
PROTOCOL = {"tcp": 0, "udp": 1}


def read(path):
    df = pd.read_csv(path)
    df.columns = df.columns.str.strip()
    return df


def feature_columns(df):
    return [c for c in df.columns if c not in EXCLUDED and c not in LABELS]


def features(df, cols):
    X = df[cols].copy()
    X["Protocol"] = X["Protocol"].str.strip().str.lower().map(PROTOCOL)
    if X["Protocol"].isna().any():
        raise SystemExit("unknown Protocol value (expected tcp/udp)")
    return X.to_numpy(dtype=np.float64)


def new_rf():
    return RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1)


def fit(path, label):
    df = read(path)
    cols = feature_columns(df)
    return new_rf().fit(features(df, cols), df[label].to_numpy()), cols


def cmd_cv(a):
    df = read(a.data)
    X, y = features(df, feature_columns(df)), df[a.label].to_numpy()
    folds = pd.read_csv(a.folds_file).sort_values("row")
    if folds["row"].tolist() != list(range(len(df))):
        raise SystemExit(f"folds file must list rows 0..{len(df) - 1} exactly once")
    repeats = [c for c in folds.columns if c != "row"]
    accs, f1s = [], []
    print(f"{'repeat':>8} {'folds':>5} {'accuracy':>9} {'macro_f1':>9}")
    for r in repeats:
        fold = folds[r].to_numpy()
        pred = np.empty(len(y), dtype=y.dtype)
        for k in np.unique(fold):
            test = fold == k
            pred[test] = new_rf().fit(X[~test], y[~test]).predict(X[test])
        accs.append(accuracy_score(y, pred))
        f1s.append(f1_score(y, pred, average="macro"))
        print(f"{r:>8} {len(np.unique(fold)):>5} {accs[-1]:>9.4f} {f1s[-1]:>9.4f}")
    print(f"spread: accuracy_std={np.std(accs):.4f} macro_f1_std={np.std(f1s):.4f} repeats={len(repeats)}")
    print(f"accuracy={np.mean(accs):.4f} macro_f1={np.mean(f1s):.4f} n={len(y)}")


def cmd_bench(a):
    t = time.perf_counter()
    app, app_cols = fit(a.app_train, "label")
    att, att_cols = fit(a.att_train, "attribution")
    print(f"train_seconds={time.perf_counter() - t:.3f} (not timed below)")

    t0 = time.perf_counter()
    df = read(a.in_)
    t1 = time.perf_counter()
    for name, model, cols in (("app", app, app_cols), ("attribution", att, att_cols)):
        proba = model.predict_proba(features(df, cols))
        df[name] = model.classes_[proba.argmax(axis=1)]
        df[name + "_confidence"] = proba.max(axis=1)
    t2 = time.perf_counter()
    df.to_csv(a.out, index=False)
    t3 = time.perf_counter()
    n, s = len(df), t3 - t0
    print(f"breakdown: read={t1 - t0:.3f}s predict={t2 - t1:.3f}s write={t3 - t2:.3f}s")
    print(f"rows={n} seconds={s:.3f} rows_per_s={n / s:.1f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    cv = sub.add_parser("cv", help="cross-validate on a given folds file")
    cv.add_argument("--data", required=True)
    cv.add_argument("--label", required=True)
    cv.add_argument("--folds-file", required=True)
    b = sub.add_parser("bench", help="time the seed-style labelling pipeline")
    b.add_argument("--app-train", required=True)
    b.add_argument("--att-train", required=True)
    b.add_argument("--in", dest="in_", required=True)
    b.add_argument("--out", required=True)
    a = p.parse_args()
    cmd_cv(a) if a.cmd == "cv" else cmd_bench(a)


if __name__ == "__main__":
    main()
