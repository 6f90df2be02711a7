from importlib import resources

import jinja2
import pytest

from qa.prompting import Prompts
from qa.types import Passage

P = Passage(1, "c", "a", "Title", "Outlet", "2025-01-02", "", "Body text.", 0, 10, 0.9)


@pytest.mark.parametrize(
    "name", sorted(f.name for f in resources.files("prompts").iterdir() if f.name.endswith(".j2"))
)
def test_every_template_renders(name):
    text = Prompts().render(
        name, question="Q?", passages=[P], today="2025-01-03", turns=[("Q0?", "A0.")]
    )
    assert text.strip()


def test_passages_are_numbered_with_their_metadata():
    text = Prompts().render("answer.j2", question="Q?", passages=[P], today="")
    assert 'Passage [1] (Outlet, 2025-01-02, "Title"):\nBody text.' in text
    assert "Today's date" not in text


def test_missing_variable_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        Prompts().render("answer.j2", question="Q?")
