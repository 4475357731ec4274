"""Specialists: risk models and the out-of-distribution check.

``serving`` (onnxruntime + numpy) is on the decision path; ``training`` (scikit-learn,
skl2onnx) is not, and is never imported from here. Nothing here uses pandas.
"""

from assistant.specialists.base import OodDetector, OodResult, Row, Score, Specialist

__all__ = ["OodDetector", "OodResult", "Row", "Score", "Specialist"]
