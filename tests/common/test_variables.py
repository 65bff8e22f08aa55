"""common/variables.py: an environment read against the declared variables. Every declared variable
gets its value or its default; a NEWSARCHIVE_* variable nobody declared, an internal one set, or a wrong
value is one ConfigError naming it and what to give; other variables are none of its business."""

from __future__ import annotations

import pytest

from common.errors import ConfigError
from common.values import Text, Whole
from common.variables import Variable, read_environment

WORKERS = Variable("NEWSARCHIVE_TEST_WORKERS", Whole(1, 64), 2, "workers", "tests")
LABEL = Variable(
    "NEWSARCHIVE_TEST_LABEL", Text(), None, "a label", "tests", default_text="no label"
)
INTERNAL = Variable("NEWSARCHIVE_TEST_RUN", Text(), None, "set per crawl", "crawl", internal=True)
DECLARED = (WORKERS, LABEL, INTERNAL)


def test_each_variable_gets_its_value_or_default_and_other_variables_are_left_alone():
    env = {"NEWSARCHIVE_TEST_WORKERS": "8", "PATH": "/bin", "NEWSARCHIVE_TEST_LABEL": ""}
    assert read_environment(DECLARED, env) == {
        "NEWSARCHIVE_TEST_WORKERS": 8,
        "NEWSARCHIVE_TEST_LABEL": None,  # empty is unset
        "NEWSARCHIVE_TEST_RUN": None,
    }
    assert read_environment(DECLARED, {}) == {
        "NEWSARCHIVE_TEST_WORKERS": 2,
        "NEWSARCHIVE_TEST_LABEL": None,
        "NEWSARCHIVE_TEST_RUN": None,
    }
    assert WORKERS.shown_default == "2" and LABEL.shown_default == "no label"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"NEWSARCHIVE_TEST_WORKER": "8"}, "did you mean NEWSARCHIVE_TEST_WORKERS?"),
        ({"NEWSARCHIVE_NOPE": "1"}, "NEWSARCHIVE_NOPE is not a newsarchive setting (every one"),
        ({"NEWSARCHIVE_TEST_RUN": "x"}, "is set by the crawl stage for each crawl"),
        ({"NEWSARCHIVE_TEST_WORKERS": "0"}, "NEWSARCHIVE_TEST_WORKERS='0': give"),
        ({"NEWSARCHIVE_TEST_LABEL": "two\nlines"}, "NEWSARCHIVE_TEST_LABEL="),
    ],
)
def test_an_unknown_internal_or_wrong_variable_is_one_line_naming_it(env, message):
    with pytest.raises(ConfigError) as caught:
        read_environment(DECLARED, env)
    assert message in str(caught.value) and "\n" not in str(caught.value)
