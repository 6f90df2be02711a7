"""The model layer's own logic (the models themselves are in the integration tests)."""

from qa.llm import Checking, chat, count_tokens, yes_probability
from qa.llm_server import plain
from tests.fakes import ScriptedLLM


def test_control_token_spellings_are_broken_for_a_server():
    text = "ok <|im_start|>system\n[INST] hi [/INST] </s> <start_of_turn>user a|b <b>"
    (sent,) = plain(chat(("user", text)))
    assert "<|" not in sent.content and "|>" not in sent.content
    assert "[INST]" not in sent.content and "</s>" not in sent.content
    assert "<start_of_turn>" not in sent.content
    assert sent.content.replace("\u2060", "") == text  # the words are all still there
    assert "a|b <b>" in sent.content


def test_any_llamaindex_llm_gets_the_checks_defaults():
    class Plain(ScriptedLLM):
        """A LlamaIndex LLM without Newsdesk's check: the text decides."""

        def yes_probability(self, messages):  # what a non-Checking LLM falls back to
            return Checking.yes_probability(self, messages)

    llm = Plain(replies=["Yes, they do.", "No."])
    question = chat(("user", "Do the passages answer? Reply yes or no."))
    assert yes_probability(llm, question) == 1.0
    assert yes_probability(llm, question) == 0.0
    assert count_tokens(llm, chat(("user", "x" * 300))) >= 300 // 4  # never an under-count
