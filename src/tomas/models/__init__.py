"""Model parts: the frozen LLM, the resource encoder and the pre-training prefix adapter."""
