"""The 2D Vortex-In-Cell solver of paper 2 (Section 5.1.1) and the Lamb-Chaplygin dipole."""

from ._native import vic as _native

Vic = _native.Vic

__all__ = ["Vic"]
