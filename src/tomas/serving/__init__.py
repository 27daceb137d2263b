"""The planner as an HTTP service: the FastAPI app (``app``), its request schema (``schema``), the
micro-batcher in front of the model (``batcher``) and its Prometheus metrics (``metrics``).
``tomas serve`` (``tomas.recipes.serve``) only parses flags and runs uvicorn."""
