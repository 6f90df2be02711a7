"""Errors of the answering side; the edges turn them into messages."""


class QAError(Exception):
    """Base class for every error of the answering side."""


class ModelFileError(QAError):
    """The model file is missing, incomplete or not the expected one."""


class ModelError(QAError):
    """The language model could not be loaded or failed while generating."""


class QuestionError(QAError):
    """A question that cannot be asked as it is (empty, or too long for the model)."""


class RefusalModelError(QAError):
    """A refusal model file cannot be read."""
