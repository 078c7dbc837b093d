# SPDX-License-Identifier: Apache-2.0
"""Federated directory of digital-mediation venues (« lieux de médiation numérique »).

The packages follow the flow of data (DESIGN.md): ``schema`` (the canonical
model) ← ``store`` (persistence) ← ``harvest`` / ``search`` / ``export`` ←
``web`` and ``cli``, which wire things together. ``places`` is reference
data (communes, postcodes) that any stage may use.
"""
