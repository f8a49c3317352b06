"""What every layer shares: label names, errors, resource paths, CLI choices, lazy exports, progress."""
