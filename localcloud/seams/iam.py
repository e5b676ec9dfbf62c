"""IAM and STS: roles, policies and credentials as moto keeps them."""

from __future__ import annotations
