"""Labelled data to models: corpora, labelled files, training, adaptation, evaluation, the default recipe."""
