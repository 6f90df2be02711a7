"""Errors of the answering side; the edges turn them into messages."""


class QAError(Exception):
    """Base class for every error of the answering side."""


class ModelFileError(QAError):
    """The model file is missing, incomplete or not the expected one."""


class ModelError(QAError):
    """The language model could not be loaded or failed while generating."""


class QuestionError(QAError):
    """A question that cannot be asked as it is (empty, or too long for the model)."""

    @classmethod
    def check_length(cls, question: str, limit: int) -> None:
        """Raises for a question over `limit` characters, whatever path it takes."""
        if len(question) > limit:
            raise cls(
                f"the question is {len(question):,} characters long; at most {limit:,} can be asked"
            )


class RefusalModelError(QAError):
    """A refusal model file cannot be read."""
