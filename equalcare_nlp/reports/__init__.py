"""Scores to reports: group shares with intervals, distinguishing terms, and the HTML page."""
