"""Make a realistic synthetic scored feedback file for trying ``equalcare report``.

Writes ``<folder>/feedback.csv`` (synthetic staff comments by team and date) and
``<folder>/scored.csv`` (the same plus label, p_fear, p_flow, p_neutral and status, scored
with the shipped model). Every comment is generated from the phrases below: none is real.

    python docs/example/make_example.py /tmp/example
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pandas as pd

from equalcare_nlp import load_model

#: Team -> (comments per month (below 1: chance of one), share of strained comments, team-specific phrases).
TEAMS = {
    "Emergency department": (22, 0.55, ["corridor care", "the waiting room", "ambulance handovers"]),
    "Ward 7 (acute medicine)": (16, 0.4, ["discharges", "the night shift", "bank staff"]),
    "Ward 9 (surgery)": (12, 0.3, ["theatre lists", "post-op checks", "the new rota"]),
    "Community nursing": (10, 0.35, ["home visits", "mileage", "travel between visits"]),
    "Pharmacy": (8, 0.15, ["dispensing", "the new robot", "ward rounds"]),
    "Estates": (0.6, 0.5, ["the boiler", "call-outs"]),
    "Night porters": (0.3, 0.4, ["the lifts", "transfers"]),
}
STRAINED = [
    "I am exhausted, {x} are a nightmare and nobody listens.",
    "We are so short staffed on {x} that I dread coming in.",
    "Honestly I'm scared something will go wrong with {x}, it's not safe.",
    "I feel completely burnt out and angry about {x}.",
    "Constant pressure over {x}, I'm anxious every single shift.",
    "Management ignore us about {x} and I'm fed up and stressed.",
    "Terrified of making a mistake, {x} is chaos and we are overwhelmed.",
]
SUPPORTED = [
    "Thank you to the team, {x} went so well and I felt really supported.",
    "Grateful for my colleagues, they are kind and caring even when {x} is busy.",
    "I love working here, the support with {x} has been amazing.",
    "Really proud of how calmly we handled {x}, great teamwork.",
    "Lovely to see patients so happy, {x} is much better now, thanks everyone.",
    "Curious to learn more about {x}, the training was brilliant.",
]
NEUTRAL = [
    "Could we have an update on {x} at the next meeting?",
    "The form for {x} has changed, please check the intranet.",
    "{x} will move to the ground floor from Monday.",
    "Is there a plan for {x} over the bank holiday?",
]


def make_feedback(seed: int = 7, months: int = 12) -> pd.DataFrame:
    """Synthetic comments with team and submission date (about 850 rows)."""
    rng = random.Random(seed)
    rows = []
    for team, (per_month, strain, topics) in TEAMS.items():
        for month in range(1, months + 1):
            # Strain in the emergency department climbs through the winter months.
            level = min(
                0.9, strain + (0.25 if team == "Emergency department" and month in (1, 2, 11, 12) else 0)
            )
            count = per_month + rng.randint(-2, 2) if per_month >= 1 else int(rng.random() < per_month)
            for _ in range(count):
                draw = rng.random()
                templates = STRAINED if draw < level else SUPPORTED if draw < level + 0.35 else NEUTRAL
                text = rng.choice(templates).format(x=rng.choice(topics))
                text = text[0].upper() + text[1:]
                rows.append(
                    {"team": team, "submitted": f"2025-{month:02d}-{rng.randint(1, 28):02d}", "comment": text}
                )
    rows += [{"team": "Pharmacy", "submitted": "2025-06-03", "comment": ""}] * 3
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


def score(frame: pd.DataFrame, column: str = "comment") -> pd.DataFrame:
    """Add label, p_fear, p_flow, p_neutral and status (``empty`` for blank text) with the shipped model."""
    model = load_model()
    out = frame.copy()
    blank = out[column].str.strip() == ""
    texts = out.loc[~blank, column].tolist()
    proba = pd.DataFrame(model.predict_proba(texts), columns=[f"p_{c}" for c in model.classes_])
    out["status"] = "ok"
    out.loc[blank, "status"] = "empty"
    out["label"] = ""
    out.loc[~blank, "label"] = model.classes_[proba.to_numpy().argmax(axis=1)]
    for name in proba.columns:
        out[name] = float("nan")
        out.loc[~blank, name] = proba[name].to_numpy()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    feedback = make_feedback()
    feedback.to_csv(folder / "feedback.csv", index=False)
    score(feedback).to_csv(folder / "scored.csv", index=False)
    print(f"wrote {folder / 'feedback.csv'} and {folder / 'scored.csv'} ({len(feedback)} comments)")


if __name__ == "__main__":
    main()
