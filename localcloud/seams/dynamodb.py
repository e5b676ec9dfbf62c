"""DynamoDB: what the local cloud changes in moto's tables."""

from __future__ import annotations
