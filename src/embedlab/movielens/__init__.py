"""MovieLens collaborative filtering: the lesson's dot-product and neural models."""
