"""A stand-in for Hugging Face `transformers`, for wf's tests.

`scripts/containers images` copies this package into the test image
`paperspace/transformers-gpu:0.4.0` (the image the Gradient text-generation tutorial names).
It holds no model and does no inference: `pipeline('text-generation', model=...)` returns a
generator whose text is deterministic and says plainly that it came from this stand-in, so
a test can check that a workflow step ran the tutorial's script inside the image.
"""

__version__ = "0.0.0+wf.stand.in"

_seed = None


def set_seed(seed):
    """Stores the seed; the generated text names it."""
    global _seed
    _seed = int(seed)


class TextGenerationPipeline:
    def __init__(self, task, model):
        self.task = task
        self.model = model

    def __call__(self, text_inputs, max_length=None, num_return_sequences=1, **kwargs):
        if isinstance(text_inputs, (list, tuple)):
            return [self(text, max_length=max_length, num_return_sequences=num_return_sequences, **kwargs)
                    for text in text_inputs]
        seed = "none" if _seed is None else _seed
        return [
            {"generated_text": f"{text_inputs} [stand-in transformers: model {self.model}, seed {seed}, "
                               f"sequence {i}, max_length {max_length}]"}
            for i in range(int(num_return_sequences))
        ]

    def __repr__(self):
        return f"TextGenerationPipeline(stand-in, model={self.model!r})"


def pipeline(task=None, model=None, **kwargs):
    """`pipeline('text-generation', model='gpt2')` or `pipeline(task=..., model=...)`."""
    if task != "text-generation":
        raise ValueError(f"stand-in transformers: only the 'text-generation' task is stood in for, not {task!r}")
    return TextGenerationPipeline(task, model if model is not None else "gpt2")


__all__ = ["pipeline", "set_seed", "TextGenerationPipeline", "__version__"]
