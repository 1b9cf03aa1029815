"""Capacity check: can the prd HPA carry the declared peak load with this image's CPU cost?"""
