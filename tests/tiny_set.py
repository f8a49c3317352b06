"""The tiny labelled set the tests train on: hand-written comments that carry their state, so a
model fitted on them in a second or two tells fear, flow and neutral apart. ``tests/conftest.py``
fits it once per session (the ``tiny_model`` fixture) and saves it (``tiny_model_dir``)."""

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

TEXTS = FEAR_TEXTS + FLOW_TEXTS + NEUTRAL_TEXTS
LABELS = ["fear"] * len(FEAR_TEXTS) + ["flow"] * len(FLOW_TEXTS) + ["neutral"] * len(NEUTRAL_TEXTS)
