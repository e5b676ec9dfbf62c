"""Keeping the garbage collector off what the server loads for good.

CPython's full collection walks every object that survived the younger ones. The server holds
about 80,000 objects once started and 400,000 once the Step Functions interpreter and API
Gateway's models are loaded (moto's modules and models, botocore's service models), and grows
by a few hundred per order (items, log events, datapoints); each full collection walked them
all: 10 of them cost 2.1 s of a run of 600 orders, 0.2-0.45 s each, while every request
waited for the GIL. What start-up (or a service's first request) loads stays loaded for the server's
life, so it is moved out of the collector's reach once it is there.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Exempt every object alive now from future collections (`gc.freeze`): the collector
    then walks only what was made since."""
    gc.freeze()
