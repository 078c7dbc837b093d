# SPDX-License-Identifier: Apache-2.0
"""``python -m directory`` is the ``directory`` command."""

from directory.cli import main

main()
