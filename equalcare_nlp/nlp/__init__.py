"""Text to tokens: the spaCy pipeline with its negation, contrast and counterfactual scopes, sentences."""
