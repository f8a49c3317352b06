"""Features to scores: the linear classifiers, calibration, the adapted model, saving and loading."""
