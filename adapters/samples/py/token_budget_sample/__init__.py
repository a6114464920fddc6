"""The harness's own `TokenBudget`, written against docs/contracts/token-budget.md.

Same constructor, properties and methods as lexigram-contracts'
`lexigram.contracts.ai.llm.types.TokenBudget` (a frozen dataclass), so the one `token-budget`
binding drives this sample and the real package alike. Stricter on purpose (TOKEN-INTEGERS):
every field must be a non-negative int (bool is not one), checked on construction and so on
every `with_...` too; ints are exact at any size, so the arithmetic never rounds.

Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
`TOKEN_BUDGET_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives.
"""

import dataclasses
import os
from dataclasses import dataclass

__version__ = "0.0.0-sample"

MUTANTS = {
    "": "the correct sample",
    "history-counts-history": "remaining_for_history also subtracts history_tokens",
    "bool-accepted": "validates with isinstance(x, int), so True and False pass as 1 and 0",
    "null-as-default": "an optional count given as None takes its default 0 (a binding dropping nulls hid it)",
}
MUTANT = os.environ.get("TOKEN_BUDGET_SAMPLE_MUTANT", "")
if MUTANT not in MUTANTS:
    _valid = ", ".join(name for name in sorted(MUTANTS) if name)
    raise ImportError(f"TOKEN_BUDGET_SAMPLE_MUTANT={MUTANT!r} is not a known mutant (valid: {_valid}, or unset)")


def _check_tokens(name, value):
    if MUTANT == "bool-accepted":
        is_int = isinstance(value, int)  # MUTANT: bool is a subclass of int, so True passes as 1
    else:
        is_int = type(value) is int
    if not is_int:
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class TokenBudget:
    model_context_limit: int
    reserved_for_output: int
    system_prompt_tokens: int
    tool_definitions_tokens: int
    rag_context_tokens: int = 0
    history_tokens: int = 0

    def __post_init__(self):
        if MUTANT == "null-as-default":
            for name in ("rag_context_tokens", "history_tokens"):
                if getattr(self, name) is None:
                    object.__setattr__(self, name, 0)  # MUTANT: None read as "use the default"
        for field in dataclasses.fields(self):
            _check_tokens(field.name, getattr(self, field.name))

    @property
    def total_used(self) -> int:
        return (
            self.system_prompt_tokens
            + self.tool_definitions_tokens
            + self.rag_context_tokens
            + self.history_tokens
            + self.reserved_for_output
        )

    @property
    def remaining(self) -> int:
        return max(0, self.model_context_limit - self.total_used)

    @property
    def remaining_for_history(self) -> int:
        used = self.system_prompt_tokens + self.tool_definitions_tokens + self.rag_context_tokens + self.reserved_for_output
        if MUTANT == "history-counts-history":
            used += self.history_tokens  # MUTANT: the history it makes room for is counted against it
        return max(0, self.model_context_limit - used)

    @property
    def over_budget(self) -> bool:
        return self.total_used > self.model_context_limit

    def with_rag_tokens(self, rag_tokens: int) -> "TokenBudget":
        # replace() builds through __init__, so the new value is validated too.
        return dataclasses.replace(self, rag_context_tokens=rag_tokens)

    def with_history_tokens(self, history_tokens: int) -> "TokenBudget":
        return dataclasses.replace(self, history_tokens=history_tokens)
