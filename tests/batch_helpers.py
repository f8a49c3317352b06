"""A tiny fear/flow/neutral model trained on hand-written texts, for fast batch-scoring tests."""

from __future__ import annotations

from equalcare_nlp import FearFlowClassifier

FEAR_TEXTS = [
    "I am exhausted and scared every shift",
    "The targets are crushing us and nobody listens",
    "I dread coming to work, the stress is unbearable",
    "We are burnt out and angry about the rota",
    "Terrified of making a mistake with so few staff",
    "Constant threats from management, I feel unsafe",
    "I am so tired and anxious all the time",
    "The pressure is awful and I cannot cope",
]
FLOW_TEXTS = [
    "Thank you to the whole team, you were wonderful",
    "The nurses were kind, caring and patient with my mum",
    "I love working with such supportive colleagues",
    "Grateful for the calm and compassionate care",
    "The staff were brilliant and made us feel welcome",
    "Really enjoyed learning from the new training",
    "So much kindness from the night team, thank you",
    "We felt listened to and cared for",
]
NEUTRAL_TEXTS = [
    "The appointment was moved to Tuesday",
    "Parking is on the left of the main building",
    "I had a blood test in the morning",
    "The form asks for the ward number",
    "We met in room four after lunch",
    "The letter arrived two weeks later",
    "My shift pattern is three long days",
    "The clinic opens at nine",
]


def train_tiny_model() -> FearFlowClassifier:
    """A model fitted in a second or two on 24 hand-written texts."""
    texts = FEAR_TEXTS + FLOW_TEXTS + NEUTRAL_TEXTS
    labels = ["fear"] * 8 + ["flow"] * 8 + ["neutral"] * 8
    return FearFlowClassifier(min_df=1, calibration_cv=None).fit(texts, labels)
