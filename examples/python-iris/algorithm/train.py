#!/usr/bin/env python3
"""Trains an Iris classifier inside the agent and writes the model and a report to results/.

Reads every CSV in datasets/ (columns sepal_length, sepal_width, petal_length, petal_width,
species), holds out every fifth row for testing, standardises the four measurements, and fits a
multinomial logistic regression (softmax) by full-batch gradient descent: plain Python, so the
result is the same on every machine. The metrics come from the lab's irismetrics package, which
the agent installs from its operator's wheelhouse (see requirements.txt).

    python3 train.py [--epochs=N] [--learning-rate=R]
"""
import argparse
import csv
import glob
import json
import math
import os
import sys

import irismetrics

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def load(folder):
    rows = []
    paths = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if not paths:
        sys.exit("no CSV dataset in %s/" % folder)
    for path in paths:
        with open(path, newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                try:
                    rows.append(([float(row[k]) for k in FEATURES], row["species"].strip()))
                except (KeyError, ValueError) as e:
                    sys.exit("%s line %d: %s" % (os.path.basename(path), n, e))
    return rows


def softmax(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    s = sum(e)
    return [v / s for v in e]


def scores(w, b, x):
    return [sum(wi * xi for wi, xi in zip(wk, x)) + bk for wk, bk in zip(w, b)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    args = parser.parse_args()

    rows = load("datasets")
    classes = sorted({label for _, label in rows})
    train = [r for i, r in enumerate(rows) if i % 5 != 4]
    test = [r for i, r in enumerate(rows) if i % 5 == 4]
    print("loaded %d rows, %d classes %s; %d for training, %d held out"
          % (len(rows), len(classes), classes, len(train), len(test)))

    n = len(train)
    mean = [sum(x[j] for x, _ in train) / n for j in range(len(FEATURES))]
    std = [math.sqrt(sum((x[j] - mean[j]) ** 2 for x, _ in train) / n) or 1.0 for j in range(len(FEATURES))]
    scale = lambda x: [(v - m) / s for v, m, s in zip(x, mean, std)]
    xs = [scale(x) for x, _ in train]
    ys = [classes.index(label) for _, label in train]

    k, d = len(classes), len(FEATURES)
    w = [[0.0] * d for _ in range(k)]
    b = [0.0] * k
    for epoch in range(1, args.epochs + 1):
        gw = [[0.0] * d for _ in range(k)]
        gb = [0.0] * k
        loss = 0.0
        for x, y in zip(xs, ys):
            p = softmax(scores(w, b, x))
            loss -= math.log(max(p[y], 1e-12))
            for c in range(k):
                g = p[c] - (1.0 if c == y else 0.0)
                gb[c] += g
                for j in range(d):
                    gw[c][j] += g * x[j]
        for c in range(k):
            b[c] -= args.learning_rate * gb[c] / n
            for j in range(d):
                w[c][j] -= args.learning_rate * gw[c][j] / n
        if epoch % max(1, args.epochs // 5) == 0 or epoch == args.epochs:
            print("epoch %d/%d loss %.4f" % (epoch, args.epochs, loss / n))

    predict = lambda x: classes[max(range(k), key=lambda c: scores(w, b, scale(x))[c])]
    actual = [label for _, label in test]
    predicted = [predict(x) for x, _ in test]
    accuracy = irismetrics.accuracy(actual, predicted)

    os.makedirs("results", exist_ok=True)
    with open("results/model.json", "w") as f:
        json.dump({"model": "softmax regression", "features": FEATURES, "classes": classes,
                   "mean": mean, "std": std, "weights": w, "bias": b,
                   "epochs": args.epochs, "learning_rate": args.learning_rate,
                   "train_rows": len(train), "test_rows": len(test),
                   "test_accuracy": accuracy}, f, indent=2)
        f.write("\n")
    with open("results/report.txt", "w") as f:
        f.write("Iris classifier: softmax regression on %s\n" % ", ".join(FEATURES))
        f.write("trained on %d rows for %d epochs (learning rate %g), tested on %d held-out rows\n\n"
                % (len(train), args.epochs, args.learning_rate, len(test)))
        f.write(irismetrics.report(actual, predicted, classes))
    print("test accuracy %.3f; wrote results/model.json and results/report.txt" % accuracy)


if __name__ == "__main__":
    main()
