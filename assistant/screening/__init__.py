"""Screening the applicant's note: the learned instruction detector beside the rules.

:mod:`.detector` serves the shipped model with onnxruntime and numpy only (it is on the
intake path); :mod:`.training` trains it with scikit-learn and exports it with skl2onnx
(``python scripts/train_note_detector.py``).
"""
