"""Personal details kept out of outputs: redaction of texts and files, suppression of small groups."""
