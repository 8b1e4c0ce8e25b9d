"""The optional language model (issue 18): suggested next steps, 1-on-1 summary drafts, "Draft what to raise".

Absent unless OKRBOT_LLM_URL and OKRBOT_LLM_MODEL are set. Every prompt is built by `prompts.build_prompt`
from facts read for the acting person only (`facts.py`); answers are parsed strictly (`answers.py`).
"""
