"""Memorization audits of a causal LM against a wherefrom index: extraction (targeted and
untargeted), membership scores, canary exposure. Metrics are pure functions in `metrics`;
everything touching a model imports torch and transformers lazily (the `audit` extra)."""
