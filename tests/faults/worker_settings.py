"""Settings for the RQ worker processes a fault test starts: the project's own settings, plus
the test's overrides (storage roots, widths, CDN, retry intervals) passed as JSON in
AIASSETS_TEST_OVERRIDES, so that workers and the test process agree on every key and path."""

import json
import os

from config.settings import *  # noqa: F403

for _name, _value in json.loads(os.environ.get("AIASSETS_TEST_OVERRIDES", "{}")).items():
    globals()[_name] = _value
