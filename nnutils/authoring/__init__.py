"""The course author's tools: ``python -m nnutils.authoring`` writes the learner notebooks."""
