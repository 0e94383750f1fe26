"""Resident parking permits (Bewohnerparkausweise): eligibility, fees, the permit and its QR token,
renewals, visitor passes.
"""
