"""Experiment (issue 14): does a detector over pretrained static word embeddings transfer
to sources never seen better than today's character n-gram model?

    pip install wordllama==0.4.0.post1      # only for this experiment (MIT, ships its weights)
    python scripts/experiment_embedding_detector.py select   # choose on tuning sources only
    python scripts/experiment_embedding_detector.py report   # report once, never tuned on

Features: WordLlama's ``l2_supercat_256`` token embeddings (32,000 × 256, fp16, distilled
from large LLMs, over the Llama-2 tokenizer; both files ship inside the wheel: read here
with ``tokenizers`` and ``safetensors`` directly, no download) pooled over the note's
tokens (mean, optionally max), each pooled vector scaled to unit length; alone, or
concatenated with today's hashed n-grams (:mod:`guardrails.ngrams`), into one logistic
regression weighted like today's (:func:`assistant.screening.training.source_weights`).

``select`` uses the same protocol that chose today's model: leave-one-source-out over the
tuning sources; criterion fixed beforehand: mean out-of-source recall of the tuning
injection sources at the 99 % quantile of the benign out-of-source probabilities, ties
broken by the benign flag rate. ``report`` fits the chosen configuration and today's
model on the same 5 bootstrap resamples of the tuning texts (each refit re-chooses its
threshold out of source) and scores the held-out and public sources, alone and combined
with the rules. ``latency`` times the whole input step on the benchmark's typical note
with each model, alternating, in one process.

Result (2026-12-03, wordllama 0.4.0.post1; it does NOT pay, nothing shipped):

- ``select`` (60 configurations, leave-one-source-out on the tuning sources, 99 % benign
  quantile): embeddings alone 28-51 % mean out-of-source recall with a logistic
  regression, 35-54 % with a 64-unit MLP, against 73.0 % for today's n-grams (C=4) in
  the same run. Beside the n-grams, a small weight helps a little and a large one hurts
  (scale 2: 43-57 %, 1: 59-69 %, 0.5: 73-75 %); chosen: n-grams + mean and max pooled
  embeddings of the normalised text at scale 0.25, C=16: 77.7 % (tune-domain 75.4,
  tune-wrapped 95.8, v1 61.9; today 72.1 / 89.6 / 57.3).
- ``report`` (once, 5 bootstrap refits, both models on the same resamples; rules +
  model, mean ± sd; paired difference embedding - today): public injections never seen
  32.7 % ± 9.3 vs 30.1 % ± 6.7 (+2.7 ± 7.7 points: BIPIA 20.0 vs 16.5, CyberSecEval 26.0
  vs 23.0, GPTFuzz 88.3 vs 88.3); public benign requests flagged 21.5 % ± 7.1 vs
  17.3 % ± 4.2 (+4.3 ± 6.0); our held-out injections 90.1 % ± 1.9 vs 89.6 % ± 1.4
  (+0.5 ± 0.9); realistic held-out notes (EN/DE/...) flagged 2.9 % ± 2.0 vs 2.3 % ± 1.3
  (+0.6 ± 2.2). Recall gains are inside one sd and come with more false flags: the rule
  set beforehand ("better on sources never seen at equal or fewer false flags on realistic
  notes") is not met; the issue's target (≥ 90 % at ≤ 2 %) is missed by both.
- ``latency`` (load 8.3-8.4 on 2 shared cores, 5 alternating rounds × 400): input step on
  the typical note p50 1.04 ms vs 0.62 ms today (1.68×), p99 17.3 vs 14.1 ms (p99 is the
  scheduler at this load for both).

WordLlama's own ``WordLlama.load()`` is not offline as shipped: it looks for the tokenizer
under ``wordllama/tokenizer/`` while the wheel ships it under ``wordllama/tokenizers/``,
so it downloads it from Hugging Face (and fails without a network); reading the two
files directly, as here, needs no network.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # train_note_detector.load

from train_note_detector import load  # noqa: E402

from assistant.screening.training import (  # noqa: E402
    Labelled,
    choose_threshold,
    features,
    source_weights,
)
from guardrails import scan_note  # noqa: E402
from guardrails.ngrams import DIMENSIONS, normalised, note_features  # noqa: E402

Matrix = Any  # a scipy sparse matrix or a numpy array, as scikit-learn takes both


class Embeddings:
    """WordLlama's token table and tokenizer, read from the installed wheel's files."""

    def __init__(self) -> None:
        import wordllama
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        base = Path(wordllama.__file__).parent
        self.table = load_file(str(base / "weights" / "l2_supercat_256.safetensors"))[
            "embedding.weight"].astype(np.float32)
        self.tokenizer = Tokenizer.from_file(
            str(base / "tokenizers" / "l2_supercat_tokenizer_config.json"))

    def pooled(self, texts: Sequence[str], *, text_form: str) -> tuple[np.ndarray, np.ndarray]:
        """(mean, max) pooled token vectors of ``texts``, each row of unit length."""
        means = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        maxes = np.zeros_like(means)
        for i, text in enumerate(texts):
            shown = normalised(text) if text_form == "normalised" else text
            ids = self.tokenizer.encode(shown, add_special_tokens=False).ids
            if not ids:
                continue
            vectors = self.table[ids]
            means[i] = vectors.mean(axis=0)
            maxes[i] = vectors.max(axis=0)
        for block in (means, maxes):
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            block /= np.maximum(norms, 1e-12)
        return means, maxes


def featurizer(config: dict[str, Any], embeddings: Embeddings) -> Callable[[Sequence[str]], Matrix]:
    """Texts -> feature matrix for one configuration."""
    def make(texts: Sequence[str]) -> Matrix:
        blocks: list[Matrix] = []
        if config["ngrams"]:
            blocks.append(features(texts))
        if config["pool"]:
            mean, peak = embeddings.pooled(texts, text_form=config["text_form"])
            dense = mean if config["pool"] == "mean" else np.hstack([mean, peak])
            blocks.append(csr_matrix(dense * config["scale"]))
        return hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
    return make


def fit(x: Matrix, rows: Sequence[Labelled], c: float, head: str = "linear") -> Any:
    """A logistic regression (``c``: inverse L2 strength) or a one-hidden-layer MLP
    (``c``: its L2 strength ``alpha``), weighted like today's model."""
    model: Any = (LogisticRegression(C=c, max_iter=3000) if head == "linear" else
                  MLPClassifier(hidden_layer_sizes=(64,), alpha=c, max_iter=400,
                                random_state=0))
    model.fit(x, np.array([r.injection for r in rows]), sample_weight=source_weights(rows))
    return model


def out_of_source(x: Matrix, rows: Sequence[Labelled], c: float,
                  head: str = "linear") -> np.ndarray:
    """p(injection) for every row from a model that never saw the row's source."""
    p = np.zeros(len(rows))
    for source in sorted({r.source for r in rows}):
        inside = [i for i, r in enumerate(rows) if r.source != source]
        outside = [i for i, r in enumerate(rows) if r.source == source]
        model = fit(x[inside], [rows[i] for i in inside], c, head)
        p[outside] = model.predict_proba(x[outside])[:, 1]
    return p


def select(tuning: list[Labelled], embeddings: Embeddings,
           second_round: bool) -> list[dict[str, Any]]:
    """Leave-one-source-out over the tuning sources for every configuration."""
    if second_round:
        return _evaluate(tuning, embeddings, _second_round())
    configs: list[dict[str, Any]] = [{"ngrams": True, "pool": "", "scale": 0.0,
                                      "text_form": "raw", "c": c} for c in (1.0, 4.0, 16.0)]
    for pool in ("mean", "meanmax"):
        for text_form in ("raw", "normalised"):
            for c in (1.0, 4.0, 16.0, 64.0):
                configs.append({"ngrams": False, "pool": pool, "scale": 1.0,
                                "text_form": text_form, "c": c})
            for scale in (0.5, 1.0, 2.0):
                for c in (4.0, 16.0):
                    configs.append({"ngrams": True, "pool": pool, "scale": scale,
                                    "text_form": text_form, "c": c})
    return _evaluate(tuning, embeddings, configs)


def _second_round() -> list[dict[str, Any]]:
    """After the first round (embeddings alone far behind; with the n-grams, smaller
    scales better): smaller scales, and a small MLP over the embeddings alone."""
    configs: list[dict[str, Any]] = []
    for pool in ("mean", "meanmax"):
        for scale in (0.15, 0.25, 0.35):
            for c in (4.0, 16.0):
                configs.append({"ngrams": True, "pool": pool, "scale": scale,
                                "text_form": "normalised", "c": c})
        for alpha in (1e-3, 1e-2, 1e-1):
            configs.append({"ngrams": False, "pool": pool, "scale": 1.0,
                            "text_form": "normalised", "c": alpha, "head": "mlp"})
    return configs


def _evaluate(tuning: list[Labelled], embeddings: Embeddings,
              configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for config in configs:
        x = featurizer(config, embeddings)(tuple(r.text for r in tuning))
        p = out_of_source(x, tuning, config["c"], config.get("head", "linear"))
        threshold = choose_threshold(tuning, p, max_false_flags=0.01)
        recalls = {s: statistics.fmean(float(p[i] >= threshold) for i, r in enumerate(tuning)
                                       if r.source == s and r.injection)
                   for s in sorted({r.source for r in tuning if r.injection})}
        benign = statistics.fmean(float(p[i] >= threshold) for i, r in enumerate(tuning)
                                  if not r.injection)
        result = {**config, "threshold": threshold, "recall": statistics.fmean(recalls.values()),
                  "per_source": recalls, "benign_flagged": benign}
        results.append(result)
        print(json.dumps(result), flush=True)
    results.sort(key=lambda r: (-r["recall"], r["benign_flagged"]))
    return results


def report(tuning: list[Labelled], scored: dict[str, list[Labelled]], embeddings: Embeddings,
           chosen: dict[str, Any], *, repeats: int = 5, seed: int = 7) -> dict[str, Any]:
    """Today's model and ``chosen`` refitted on the same resamples; per source and pooled."""
    # The shipped model's recipe (training.fit: n-grams, C=4), refitted here as the baseline.
    today = {"ngrams": True, "pool": "", "scale": 0.0, "text_form": "raw", "c": 4.0}
    heldout = [r for rows in scored.values() for r in rows]
    rule_flags = np.array([scan_note(r.text).flagged for r in heldout])
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(tuning), len(tuning)) for _ in range(repeats)]
    out: dict[str, Any] = {}
    per_run: dict[str, list[dict[str, tuple[float, float]]]] = {}
    for name, config in (("today", today), ("embedding", chosen)):
        make = featurizer(config, embeddings)
        x_tuning, x_heldout = make([r.text for r in tuning]), make([r.text for r in heldout])
        runs: list[dict[str, tuple[float, float]]] = []
        for sample in samples:
            rows = [tuning[i] for i in sample]
            x = x_tuning[sample]
            head = config.get("head", "linear")
            threshold = choose_threshold(rows, out_of_source(x, rows, config["c"], head),
                                         max_false_flags=0.01)
            p = fit(x, rows, config["c"], head).predict_proba(x_heldout)[:, 1] >= threshold
            runs.append(_figures(heldout, p, rule_flags, scored))
        out[name] = {key: {"model": _mean_sd([r[key][0] for r in runs]),
                           "combined": _mean_sd([r[key][1] for r in runs])} for key in runs[0]}
        per_run[name] = runs
    # Paired by resample (both fitted on the same texts), rules + model: embedding - today.
    out["difference"] = {key: _mean_sd([e[key][1] - t[key][1] for e, t in
                                        zip(per_run["embedding"], per_run["today"], strict=True)])
                         for key in per_run["today"][0]}
    out["rules"] = {key: value[1] for key, value in
                    _figures(heldout, np.zeros(len(heldout), bool), rule_flags, scored).items()}
    return out


class EmbeddingDetector:
    """The chosen configuration served the way it would ship: n-grams and pooled
    embeddings computed in Python, the logistic regression exported to ONNX
    (skl2onnx, one thread) and run by onnxruntime; implements ``guardrails.NoteModel``."""

    def __init__(self, tuning: list[Labelled], embeddings: Embeddings,
                 config: dict[str, Any]) -> None:
        import onnxruntime as ort
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        self.embeddings, self.config = embeddings, config
        self.make = featurizer(config, embeddings)
        x = self.make([r.text for r in tuning])
        model = fit(x, tuning, config["c"])
        self.threshold = choose_threshold(tuning, out_of_source(x, tuning, config["c"]),
                                          max_false_flags=0.01)
        onnx_model = convert_sklearn(model, "embedding_detector",
                                     [("features", FloatTensorType([None, x.shape[1]]))],
                                     options={id(model): {"zipmap": False}})
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(onnx_model.SerializeToString(), options,
                                            providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.width = x.shape[1]
        if not config["ngrams"] or config["pool"] != "meanmax":
            raise ValueError("served here: n-grams + mean/max pooled embeddings only")

    def probability(self, text: str) -> float:
        # Filled directly (no scipy on the serving path), as today's detector does.
        row = np.zeros((1, self.width), dtype=np.float32)
        ngrams = note_features(text)
        if ngrams:
            row[0, list(ngrams)] = list(ngrams.values())
        mean, peak = self.embeddings.pooled([text], text_form=self.config["text_form"])
        row[0, DIMENSIONS:] = np.hstack([mean[0], peak[0]]) * self.config["scale"]
        [p] = self.session.run(["probabilities"], {self.input: row})
        return float(p[0, 1])


def latency(tuning: list[Labelled], embeddings: Embeddings, config: dict[str, Any],
            *, rounds: int = 5, repeats: int = 400) -> dict[str, Any]:
    """p50/p99 of the whole input step (``prepare_input``: redaction, rules, model) on
    the benchmark's typical note, today's shipped detector vs the embedding detector,
    alternating in rounds in one process."""
    import time

    from assistant.screening.detector import default_detector
    from benchmarks.bench_note_screening import NOTE
    from guardrails import prepare_input

    models = {"today": default_detector(), "embedding": EmbeddingDetector(tuning, embeddings,
                                                                          config)}
    samples: dict[str, list[float]] = {name: [] for name in models}
    for model in models.values():  # warm-up
        for _ in range(20):
            prepare_input({"name": "Jane Doe"}, NOTE, model)
    for _ in range(rounds):
        for name, model in models.items():
            for _ in range(repeats):
                start = time.perf_counter()
                prepare_input({"name": "Jane Doe"}, NOTE, model)
                samples[name].append(time.perf_counter() - start)
    out: dict[str, Any] = {}
    for name, values in samples.items():
        values.sort()
        out[name] = {"p50_ms": round(statistics.median(values) * 1e3, 3),
                     "p99_ms": round(values[int(0.99 * (len(values) - 1))] * 1e3, 3),
                     "n": len(values)}
    out["p50_ratio"] = round(out["embedding"]["p50_ms"] / out["today"]["p50_ms"], 2)
    return out


def _figures(rows: Sequence[Labelled], flags: np.ndarray, rules: np.ndarray,
             scored: dict[str, list[Labelled]]) -> dict[str, tuple[float, float]]:
    """(model, model or rules) flag rate per source and label, and pooled per role."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        kind = "recall" if r.injection else "flagged"
        role = next(role for role, members in scored.items() if r.source in
                    {m.source for m in members})
        for key in (f"{r.source} {kind}", f"{role} pooled {kind}"):
            groups.setdefault(key, []).append(i)
    return {key: (float(flags[members].mean()), float((flags[members] | rules[members]).mean()))
            for key, members in sorted(groups.items())}


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    return (round(100 * statistics.fmean(values), 1), round(100 * statistics.stdev(values), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("select", "report", "latency"))
    parser.add_argument("--config", help="the configuration chosen by select (JSON)")
    parser.add_argument("--second-round", action="store_true")
    args = parser.parse_args()
    tuning, scored = load()
    embeddings = Embeddings()
    if args.step == "select":
        best = select(tuning, embeddings, args.second_round)
        print("best:", json.dumps(best[:5], indent=1))
    elif args.step == "latency":
        print(json.dumps(latency(tuning, embeddings, json.loads(args.config)), indent=1))
    else:
        print(json.dumps(report(tuning, scored, embeddings, json.loads(args.config)), indent=1))


if __name__ == "__main__":
    main()
