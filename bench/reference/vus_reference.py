"""NumPy transcription of the VUS reference code; writes the fixture src/engine/eval/vus.ts is tested against.

    python3 bench/reference/vus_reference.py [--out tests/fixtures/vus/cases.json]

Needs NumPy only (no sklearn). Transcribes, from the `metricor` class of the VUS package
(TheDatumOrg/VUS, vus/utils/metrics.py; the same code is in TSB-UAD, TSB_UAD/vus/utils/metrics.py):

  * RangeAUC_volume_opt  (what vus.metrics.get_metrics(..., version='opt') averages: VUS-ROC, VUS-PR),
  * RangeAUC             (R-AUC-ROC / R-AUC-PR at one buffer length, `window`),

with the helpers they call (range_convers_new, sequencing, new_sequence, extend_postive_range,
TPR_FPR_RangeAUC). The logic, loop order and floating-point operations follow the reference; only
the sklearn/pandas imports and the curve outputs nobody here reads are left out.

Paparrizos, Boniol, Palpanas, Tsay, Elmore, Franklin: "Volume Under the Surface: A New Accuracy
Evaluation Measure for Time-Series Anomaly Detection", PVLDB 15(11), 2022.

For information it also prints the VUS of the original RangeAUC_volume (vus/basic_metrics.py), whose
buffer after a range's end is one row shorter than before its start (np.arange(e, ...) instead of
np.arange(e + 1, ...)); the fixture holds only the metricor values.
"""
import argparse
import json
import os

import numpy as np


# ---------------------------------------------------------------- the reference, transcribed


def range_convers_new(label):
    """Maximal runs of non-zero values as inclusive (start, end) pairs (the reference's scan)."""
    L = []
    i = 0
    j = 0
    while j < len(label):
        while label[i] == 0:
            i += 1
            if i >= len(label):
                break
        j = i + 1
        if j >= len(label):
            if j == len(label):
                L.append((i, j - 1))
            break
        while label[j] != 0:
            j += 1
            if j >= len(label):
                L.append((i, j - 1))
                break
        if j >= len(label):
            break
        L.append((i, j - 1))
        i = j
    return L


def sequencing(x, L, window=5):
    """Labels with a buffer of window // 2 rows either side of each range, weighted sqrt(1 - d / window)."""
    label = x.copy().astype(float)
    length = len(label)
    for k in range(len(L)):
        s = L[k][0]
        e = L[k][1]
        x1 = np.arange(e + 1, min(e + window // 2 + 1, length))
        label[x1] += np.sqrt(1 - (x1 - e) / (window))
        x2 = np.arange(max(s - window // 2, 0), s)
        label[x2] += np.sqrt(1 - (s - x2) / (window))
    label = np.minimum(np.ones(length), label)
    return label


# metricor.extend_postive_range is the same computation as sequencing, on the ranges of x itself.
def extend_postive_range(x, window=5):
    return sequencing(x, range_convers_new(x.copy().astype(float)), window)


def new_sequence(label, sequence_original, window):
    """Buffered ranges, merged where the buffers overlap (the opt version's existence segments)."""
    a = max(sequence_original[0][0] - window // 2, 0)
    sequence_new = []
    for i in range(len(sequence_original) - 1):
        if sequence_original[i][1] + window // 2 < sequence_original[i + 1][0] - window // 2:
            sequence_new.append((a, sequence_original[i][1] + window // 2))
            a = sequence_original[i + 1][0] - window // 2
    sequence_new.append((a, min(sequence_original[len(sequence_original) - 1][1] + window // 2, len(label) - 1)))
    return sequence_new


def TPR_FPR_RangeAUC(labels, pred, P, L):
    product = labels * pred
    TP = np.sum(product)
    P_new = (P + np.sum(labels)) / 2
    recall = min(TP / P_new, 1)
    existence = 0
    for seg in L:
        if np.sum(product[seg[0]:(seg[1] + 1)]) > 0:
            existence += 1
    existence_ratio = existence / len(L)
    TPR_RangeAUC = recall * existence_ratio
    FP = np.sum(pred) - TP
    N_new = len(labels) - P_new
    FPR_RangeAUC = FP / N_new
    Precision_RangeAUC = TP / np.sum(pred)
    return TPR_RangeAUC, FPR_RangeAUC, Precision_RangeAUC


def RangeAUC(labels, score, window=0):
    """metricor.RangeAUC with AUC_type='window': (R-AUC-ROC, R-AUC-PR) over 250 sampled thresholds."""
    score_sorted = -np.sort(-score)
    P = np.sum(labels)
    labels = extend_postive_range(labels, window=window)
    L = range_convers_new(labels)
    TF_list = np.zeros((252, 2))
    Precision_list = np.ones(251)
    j = 0
    for i in np.linspace(0, len(score) - 1, 250).astype(int):
        threshold = score_sorted[i]
        pred = score >= threshold
        TPR, FPR, Precision = TPR_FPR_RangeAUC(labels, pred, P, L)
        j += 1
        TF_list[j] = [TPR, FPR]
        Precision_list[j] = Precision
    TF_list[j + 1] = [1, 1]
    width = TF_list[1:, 1] - TF_list[:-1, 1]
    height = (TF_list[1:, 0] + TF_list[:-1, 0]) / 2
    AUC_range = np.dot(width, height)
    width_PR = TF_list[1:-1, 0] - TF_list[:-2, 0]
    height_PR = (Precision_list[1:] + Precision_list[:-1]) / 2
    AP_range = np.dot(width_PR, height_PR)
    return AUC_range, AP_range


def RangeAUC_volume_opt(labels_original, score, windowSize, thre=250):
    """Per-buffer R-AUC-ROC and R-AUC-PR for buffers 0..windowSize, and their means (VUS-ROC, VUS-PR)."""
    window_3d = np.arange(0, windowSize + 1, 1)
    P = np.sum(labels_original)
    seq = range_convers_new(labels_original)
    l = new_sequence(labels_original, seq, windowSize)
    score_sorted = -np.sort(-score)
    auc_3d = np.zeros(windowSize + 1)
    ap_3d = np.zeros(windowSize + 1)
    tp = np.zeros(thre)
    N_pred = np.zeros(thre)
    for k, i in enumerate(np.linspace(0, len(score) - 1, thre).astype(int)):
        threshold = score_sorted[i]
        pred = score >= threshold
        N_pred[k] = np.sum(pred)
    for window in window_3d:
        labels = sequencing(labels_original, seq, window)
        L = new_sequence(labels, seq, window)
        TF_list = np.zeros((thre + 2, 2))
        Precision_list = np.ones(thre + 1)
        j = 0
        N_labels = 0
        for seg in l:
            N_labels += np.sum(labels[seg[0]:seg[1] + 1])
        for i in np.linspace(0, len(score) - 1, thre).astype(int):
            threshold = score_sorted[i]
            pred = score >= threshold
            TP = 0
            for seg in l:
                TP += np.dot(labels[seg[0]:seg[1] + 1], pred[seg[0]:seg[1] + 1])
            TP += tp[j]
            FP = N_pred[j] - TP
            existence = 0
            for seg in L:
                if np.dot(labels[seg[0]:(seg[1] + 1)], pred[seg[0]:(seg[1] + 1)]) > 0:
                    existence += 1
            existence_ratio = existence / len(L)
            P_new = (P + N_labels) / 2
            recall = min(TP / P_new, 1)
            TPR = recall * existence_ratio
            N_new = len(labels) - P_new
            FPR = FP / N_new
            Precision = TP / N_pred[j]
            j += 1
            TF_list[j] = [TPR, FPR]
            Precision_list[j] = Precision
        TF_list[j + 1] = [1, 1]
        width = TF_list[1:, 1] - TF_list[:-1, 1]
        height = (TF_list[1:, 0] + TF_list[:-1, 0]) / 2
        auc_3d[window] = np.dot(width, height)
        width_PR = TF_list[1:-1, 0] - TF_list[:-2, 0]
        height_PR = (Precision_list[1:] + Precision_list[:-1]) / 2
        ap_3d[window] = np.dot(width_PR, height_PR)
    return auc_3d, ap_3d, sum(auc_3d) / len(window_3d), sum(ap_3d) / len(window_3d)


def RangeAUC_volume_original(labels_original, score, windowSize):
    """basic_metricor.RangeAUC_volume (the first release): asymmetric buffer, contiguous-run segments."""
    score_sorted = -np.sort(-score)
    P = np.sum(labels_original)
    aucs, aps = [], []
    for window in range(windowSize + 1):
        labels = labels_original.copy().astype(float)
        for s, e in range_convers_new(labels):
            x1 = np.arange(e, min(e + window // 2, len(labels)))
            labels[x1] += np.sqrt(1 - (x1 - e) / (window))
            x2 = np.arange(max(s - window // 2, 0), s)
            labels[x2] += np.sqrt(1 - (s - x2) / (window))
        labels = np.minimum(np.ones(len(labels)), labels)
        L = range_convers_new(labels)
        tpr, fpr, prec = [0], [0], [1]
        for i in np.linspace(0, len(score) - 1, 250).astype(int):
            t, f, p = TPR_FPR_RangeAUC(labels, score >= score_sorted[i], P, L)
            tpr.append(t)
            fpr.append(f)
            prec.append(p)
        tpr.append(1)
        fpr.append(1)
        tpr, fpr, prec = np.array(tpr), np.array(fpr), np.array(prec)
        aucs.append(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))
        aps.append(np.sum((tpr[1:-1] - tpr[:-2]) * (prec[1:] + prec[:-1]) / 2))
    return sum(aucs) / len(aucs), sum(aps) / len(aps)


# ---------------------------------------------------------------- the fixture


def labels_from(n, anomalies):
    y = np.zeros(n, dtype=np.int64)
    for s, e in anomalies:
        y[s:e] = 1
    return y


def median_window(anomalies):
    """The default sliding window of vus.ts: the median anomaly length (rounded down), at most 100."""
    return min(100, int(np.median([e - s for s, e in anomalies])))


def make_cases():
    cases = []

    # Noisy copy of the labels.
    rng = np.random.default_rng(11)
    n, anomalies = 300, [(60, 75), (200, 212)]
    y = labels_from(n, anomalies)
    cases.append(("noisy labels", n, anomalies, y + rng.normal(0, 0.35, n), 250, None, [0, 7, 13]))

    # Labels lagged by 5 rows plus noise; ranges touching both ends of the series.
    rng = np.random.default_rng(12)
    n, anomalies = 1000, [(0, 18), (300, 330), (610, 622), (985, 1000)]
    y = labels_from(n, anomalies)
    lagged = np.concatenate([np.zeros(5), y[:-5]])
    cases.append(("lagged 5 rows", n, anomalies, lagged + rng.normal(0, 0.25, n), 250, None, [0, 16, 33]))

    # A moving-average detector, quantized (ties); ranges 10 rows apart touch at buffers 10 and 11,
    # where RangeAUC merges them for the existence reward and the opt volume does not.
    rng = np.random.default_rng(13)
    n, anomalies = 2000, [(150, 175), (185, 200), (700, 760), (1200, 1212), (1650, 1690)]
    y = labels_from(n, anomalies)
    smooth = np.convolve(y.astype(float), np.ones(9) / 9, mode="same")
    cases.append(("smoothed, quantized", n, anomalies, np.round(smooth + rng.normal(0, 0.1, n), 1), 250, 30,
                  [0, 10, 11, 50]))

    # Uniform random scores, 100 thresholds for the volume.
    rng = np.random.default_rng(14)
    n, anomalies = 500, [(40, 48), (250, 290), (420, 431)]
    cases.append(("random scores", n, anomalies, rng.random(n), 100, None, [0, 11]))

    # Two ranges 10 rows apart, only the first one scored high: their buffers touch at buffer lengths
    # 10 and 11, where RangeAUC's existence reward sees one range and RangeAUC_volume_opt two.
    rng = np.random.default_rng(17)
    n, anomalies = 400, [(100, 110), (120, 130), (300, 306)]
    y = labels_from(n, anomalies)
    first = labels_from(n, anomalies[:1]) + labels_from(n, anomalies[2:]) * 0.5
    cases.append(("touching buffers", n, anomalies, first + rng.normal(0, 0.2, n), 250, 14, [9, 10, 11, 12]))

    # Fewer rows than thresholds (the sampled threshold ranks repeat).
    rng = np.random.default_rng(15)
    n, anomalies = 120, [(50, 58)]
    y = labels_from(n, anomalies)
    cases.append(("n below thresholds", n, anomalies, y * 0.6 + rng.normal(0, 0.3, n), 250, None, [0, 5]))

    # Three score levels only (massive ties).
    rng = np.random.default_rng(16)
    n, anomalies = 800, [(100, 140), (500, 520)]
    y = labels_from(n, anomalies)
    levels = np.where(y == 1, rng.choice([0.5, 1.0], n, p=[0.3, 0.7]), rng.choice([0.0, 0.5, 1.0], n, p=[0.8, 0.15, 0.05]))
    cases.append(("three levels", n, anomalies, levels, 250, 12, [0, 6, 12]))

    out = []
    for name, n, anomalies, scores, thre, max_buffer, buffers in cases:
        # The fixture stores 4 decimals; the reference runs on exactly those values.
        scores = np.array([float(round(float(v), 4)) for v in scores])
        labels = labels_from(n, anomalies)
        if max_buffer is None:
            max_buffer = 2 * median_window(anomalies)
        auc_3d, ap_3d, vus_roc, vus_pr = RangeAUC_volume_opt(labels, scores, max_buffer, thre)
        orig_roc, orig_pr = RangeAUC_volume_original(labels, scores, max_buffer)
        print(f"{name:22s} n={n:5d} maxBuffer={max_buffer:3d}  VUS-ROC {vus_roc:.6f} VUS-PR {vus_pr:.6f}"
              f"   (original RangeAUC_volume: {orig_roc:.6f} {orig_pr:.6f})")
        range_auc = []
        for b in buffers:
            roc, pr = RangeAUC(labels, scores, b)
            range_auc.append({"buffer": b, "roc": float(roc), "pr": float(pr)})
        out.append({
            "name": name,
            "n": n,
            "anomalies": [[s, e] for s, e in anomalies],
            "scores": scores.tolist(),
            "thresholds": thre,
            "maxBuffer": max_buffer,
            "vusRoc": float(vus_roc),
            "vusPr": float(vus_pr),
            "rocByBuffer": [float(v) for v in auc_3d],
            "prByBuffer": [float(v) for v in ap_3d],
            "rangeAuc": range_auc,
        })
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/vus/cases.json")
    args = ap.parse_args()
    fixture = {
        "generator": "bench/reference/vus_reference.py",
        "reference": "TheDatumOrg/VUS vus/utils/metrics.py metricor: RangeAUC_volume_opt (VUS) and RangeAUC (R-AUC)",
        "anomalies": "[start, end) row ranges labelled 1",
        "cases": make_cases(),
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
