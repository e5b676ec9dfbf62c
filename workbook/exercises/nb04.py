"""Notebook 04's exercises."""

from __future__ import annotations
