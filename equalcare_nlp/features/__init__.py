"""Tokens to features: n-grams, lexicon scores, register gates, word vectors, their compiled form."""
