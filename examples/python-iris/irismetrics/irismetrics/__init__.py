"""Classification metrics in plain Python: accuracy, confusion matrix, precision and recall."""

__version__ = "1.0.0"


def confusion(actual, predicted, classes):
    """Rows are actual classes, columns predicted ones, in the order of ``classes``."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for a, p in zip(actual, predicted):
        matrix[index[a]][index[p]] += 1
    return matrix


def accuracy(actual, predicted):
    """The share of predictions that equal the actual class."""
    if not actual:
        raise ValueError("no predictions to score")
    return sum(1 for a, p in zip(actual, predicted) if a == p) / len(actual)


def per_class(matrix, classes):
    """(class, precision, recall, support) for every class."""
    out = []
    for i, c in enumerate(classes):
        tp = matrix[i][i]
        predicted = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        out.append((c, tp / predicted if predicted else 0.0, tp / support if support else 0.0, support))
    return out


def report(actual, predicted, classes):
    """A text report: accuracy, then the confusion matrix, then precision/recall per class."""
    matrix = confusion(actual, predicted, classes)
    width = max(len(c) for c in classes) + 2
    correct = sum(matrix[i][i] for i in range(len(classes)))
    lines = [
        "accuracy %.3f (%d/%d)" % (accuracy(actual, predicted), correct, len(actual)),
        "",
        "confusion matrix (rows: actual, columns: predicted)",
        " " * width + "".join(c.rjust(width) for c in classes),
    ]
    for c, row in zip(classes, matrix):
        lines.append(c.ljust(width) + "".join(str(n).rjust(width) for n in row))
    lines += ["", "class".ljust(width) + "precision".rjust(11) + "recall".rjust(8) + "support".rjust(9)]
    for c, precision, recall, support in per_class(matrix, classes):
        lines.append(c.ljust(width) + ("%.3f" % precision).rjust(11) + ("%.3f" % recall).rjust(8) + str(support).rjust(9))
    return "\n".join(lines) + "\n"
