"""The test kit ordercore ships for hosts and adapter authors.

- :class:`RecordingNotifier`: a notifier plugin that records what it is sent and can fail on
  purpose.
- :class:`ManualClock`: time that moves only when the test says so.
- :mod:`ordercore.testing.contract`: the storage contract as pytest base classes (needs pytest).
- :mod:`ordercore.testing.strategies`: Hypothesis strategies (needs hypothesis).
"""

from ordercore.clock import ManualClock
from ordercore.testing.fakes import COUNTERS, Counter, RecordingNotifier, increment

__all__ = ["COUNTERS", "Counter", "ManualClock", "RecordingNotifier", "increment"]
